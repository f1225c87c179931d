//! Where the memory table lives: in the data dir, or on S3-compatible object storage that the
//! daemons of several machines share (each machine's transcripts stay on that machine).

use std::path::{Path, PathBuf};

use crate::config::MemoryConfig;

/// The memory table's place.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreLocation {
    /// The local memory directory: the table itself, or, when the table is remote, the schema stamp.
    pub dir: PathBuf,
    /// The table on object storage, if it is there.
    pub remote: Option<RemoteTable>,
}

/// A LanceDB table on S3-compatible object storage.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTable {
    /// `s3://bucket/prefix`.
    pub uri: String,
    /// Storage options for LanceDB (endpoint, region, timeouts); credentials are never among them:
    /// LanceDB reads them from the `AWS_*` environment (or the AWS profile chain) itself.
    pub options: Vec<(String, String)>,
}

/// A request to an unreachable object store gives up after this many seconds of retries.
const RETRY_TIMEOUT_S: &str = "20";

impl StoreLocation {
    /// The table in `dir` on this machine.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            remote: None,
        }
    }

    /// Where `[memory] uri` puts the table, with `dir` as the local memory directory.
    pub fn for_config(memory: &MemoryConfig, dir: impl Into<PathBuf>) -> Self {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self::from_settings(memory, dir.into(), env)
    }

    fn from_settings(
        memory: &MemoryConfig,
        dir: PathBuf,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        if memory.uri.is_empty() {
            return Self::local(dir);
        }
        let mut options = Vec::new();
        let endpoint = Some(memory.endpoint.clone())
            .filter(|e| !e.is_empty())
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| env("AWS_ENDPOINT"));
        if let Some(endpoint) = endpoint {
            if endpoint.starts_with("http://") {
                options.push(("allow_http".to_string(), "true".to_string()));
            }
            // Self-hosted stores (MinIO, Garage, Ceph…) address buckets by path, not by host name.
            options.push(("aws_virtual_hosted_style_request".into(), "false".into()));
            options.push(("aws_endpoint".to_string(), endpoint));
        }
        if !memory.region.is_empty() {
            options.push(("aws_region".to_string(), memory.region.clone()));
        }
        options.push(("client_retry_timeout".into(), RETRY_TIMEOUT_S.into()));
        Self {
            dir,
            remote: Some(RemoteTable {
                uri: memory.uri.trim_end_matches('/').to_string(),
                options,
            }),
        }
    }

    /// Whether other machines may write the same table.
    pub fn is_shared(&self) -> bool {
        self.remote.is_some()
    }

    /// The local memory directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What to show a user: the directory, or the URI and its endpoint.
    pub fn describe(&self) -> String {
        match &self.remote {
            None => self.dir.display().to_string(),
            Some(remote) => match remote.options.iter().find(|(k, _)| k == "aws_endpoint") {
                Some((_, endpoint)) => format!("{} (at {endpoint})", remote.uri),
                None => remote.uri.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(uri: &str, endpoint: &str) -> MemoryConfig {
        MemoryConfig {
            uri: uri.into(),
            endpoint: endpoint.into(),
            ..MemoryConfig::default()
        }
    }

    fn option<'a>(location: &'a StoreLocation, key: &str) -> Option<&'a str> {
        let remote = location.remote.as_ref()?;
        remote
            .options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn no_uri_keeps_the_table_in_the_data_dir() {
        let location = StoreLocation::from_settings(&memory("", ""), "/d/memory".into(), |_| {
            Some("http://ignored".into())
        });
        assert_eq!(location, StoreLocation::local("/d/memory"));
        assert!(!location.is_shared());
    }

    #[test]
    fn an_http_endpoint_from_config_or_environment_is_allowed_and_addressed_by_path() {
        let configured = StoreLocation::from_settings(
            &memory("s3://b/p/", "http://127.0.0.1:9000"),
            "/d/memory".into(),
            |_| None,
        );
        assert_eq!(configured.remote.as_ref().unwrap().uri, "s3://b/p");
        assert_eq!(
            option(&configured, "aws_endpoint"),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(option(&configured, "allow_http"), Some("true"));
        assert_eq!(configured.describe(), "s3://b/p (at http://127.0.0.1:9000)");
        let from_env = StoreLocation::from_settings(&memory("s3://b", ""), "/d".into(), |k| {
            (k == "AWS_ENDPOINT_URL").then(|| "https://s3.example".to_string())
        });
        assert_eq!(
            option(&from_env, "aws_endpoint"),
            Some("https://s3.example")
        );
        assert_eq!(option(&from_env, "allow_http"), None);
        let aws = StoreLocation::from_settings(&memory("s3://b", ""), "/d".into(), |_| None);
        assert_eq!(option(&aws, "aws_endpoint"), None);
        assert_eq!(aws.describe(), "s3://b");
    }

    #[test]
    fn credentials_never_travel_in_the_options() {
        let location =
            StoreLocation::from_settings(&memory("s3://b", "http://h:1"), "/d".into(), |_| {
                Some("AKIA-secret".into())
            });
        let remote = location.remote.unwrap();
        assert!(
            remote.options.iter().all(|(_, v)| !v.contains("secret")),
            "{:?}",
            remote.options
        );
    }
}
