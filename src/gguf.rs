//! Reads a GGUF file's header (metadata and tensor table) and checks that the file is as long as
//! its tensors need, so a truncated or corrupt model is refused when it is chosen, not at every
//! later turn.

use std::io::{self, BufReader, Read};
use std::path::Path;

/// What a valid header says.
#[derive(Debug, Clone, PartialEq)]
pub struct GgufSummary {
    pub version: u32,
    pub tensors: u64,
    pub metadata_keys: u64,
    pub architecture: Option<String>,
    /// The smallest file size the tensor table allows.
    pub needed_bytes: u64,
    pub file_bytes: u64,
}

/// Why a file is not a usable GGUF model.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("not a GGUF file (no GGUF magic)")]
    NotGguf,
    #[error("GGUF version {0} is not supported (1 to 3 are)")]
    Version(u32),
    #[error("the header is cut short or corrupt: {0}")]
    Corrupt(String),
    #[error(
        "the file is truncated: its tensors need {needed} bytes but it has {actual} (download it again)"
    )]
    Truncated { needed: u64, actual: u64 },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Bytes per block and elements per block of a ggml tensor type; `None` for types not known here
/// (their size is then not checked).
fn type_size(kind: u32) -> Option<(u64, u64)> {
    Some(match kind {
        0 => (4, 1),     // F32
        1 => (2, 1),     // F16
        2 => (18, 32),   // Q4_0
        3 => (20, 32),   // Q4_1
        6 => (22, 32),   // Q5_0
        7 => (24, 32),   // Q5_1
        8 => (34, 32),   // Q8_0
        9 => (36, 32),   // Q8_1
        10 => (84, 256), // Q2_K
        11 => (110, 256),
        12 => (144, 256), // Q4_K
        13 => (176, 256),
        14 => (210, 256), // Q6_K
        15 => (292, 256),
        16 => (66, 256),
        17 => (74, 256),
        18 => (98, 256),
        19 => (50, 256),
        20 => (18, 32),
        21 => (110, 256),
        22 => (82, 256),
        23 => (136, 256),
        24 => (1, 1),
        25 => (2, 1),
        26 => (4, 1),
        27 => (8, 1),
        28 => (8, 1),
        29 => (56, 256),
        30 => (2, 1), // BF16
        _ => return None,
    })
}

/// Header values are untrusted: no string, array or count may claim more than this.
const MAX_ITEMS: u64 = 1 << 28;

struct Reader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Reader<R> {
    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, GgufError> {
        let mut buf = vec![0; n];
        self.inner.read_exact(&mut buf).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                GgufError::Corrupt("the file ends inside its header".into())
            } else {
                GgufError::Io(e)
            }
        })?;
        self.read += n as u64;
        Ok(buf)
    }

    fn u32(&mut self) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(
            self.bytes(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(
            self.bytes(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn count(&mut self, what: &str) -> Result<u64, GgufError> {
        let n = self.u64()?;
        if n > MAX_ITEMS {
            return Err(GgufError::Corrupt(format!("{what} claims {n} items")));
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, GgufError> {
        let len = self.count("a string")?;
        Ok(String::from_utf8_lossy(&self.bytes(len as usize)?).into_owned())
    }

    /// Skips (or, for strings, returns) one metadata value of type `kind`.
    fn value(&mut self, kind: u32) -> Result<Option<String>, GgufError> {
        let fixed = match kind {
            0 | 1 | 7 => 1,
            2 | 3 => 2,
            4..=6 => 4,
            10..=12 => 8,
            8 => return self.string().map(Some),
            9 => {
                let inner = self.u32()?;
                let n = self.count("an array")?;
                for _ in 0..n {
                    self.value(inner)?;
                }
                return Ok(None);
            }
            other => return Err(GgufError::Corrupt(format!("unknown value type {other}"))),
        };
        self.bytes(fixed)?;
        Ok(None)
    }
}

/// Reads and checks the header of `path`.
pub fn inspect(path: &Path) -> Result<GgufSummary, GgufError> {
    let file = std::fs::File::open(path)?;
    let file_bytes = file.metadata()?.len();
    let mut r = Reader {
        inner: BufReader::new(file),
        read: 0,
    };
    if r.bytes(4).map_err(|_| GgufError::NotGguf)? != b"GGUF" {
        return Err(GgufError::NotGguf);
    }
    let version = r.u32()?;
    if !(1..=3).contains(&version) {
        return Err(GgufError::Version(version));
    }
    let tensors = r.count("the tensor table")?;
    let metadata_keys = r.count("the metadata")?;
    let mut architecture = None;
    let mut alignment = 32u64;
    for _ in 0..metadata_keys {
        let key = r.string()?;
        let kind = r.u32()?;
        if key == "general.alignment" && kind == 4 {
            alignment = u64::from(r.u32()?).max(1);
            continue;
        }
        let value = r.value(kind)?;
        if key == "general.architecture" {
            architecture = value;
        }
    }
    let mut data_needed = 0u64;
    for _ in 0..tensors {
        let _name = r.string()?;
        let dims = r.u32()?;
        if dims > 8 {
            return Err(GgufError::Corrupt(format!(
                "a tensor with {dims} dimensions"
            )));
        }
        let mut elements = 1u64;
        for _ in 0..dims {
            elements = elements.saturating_mul(r.u64()?);
        }
        let kind = r.u32()?;
        let offset = r.u64()?;
        let bytes = type_size(kind).map_or(0, |(block_bytes, block)| {
            elements.div_ceil(block).saturating_mul(block_bytes)
        });
        data_needed = data_needed.max(offset.saturating_add(bytes));
    }
    let data_start = r.read.div_ceil(alignment) * alignment;
    let needed_bytes = data_start.saturating_add(data_needed);
    if needed_bytes > file_bytes {
        return Err(GgufError::Truncated {
            needed: needed_bytes,
            actual: file_bytes,
        });
    }
    Ok(GgufSummary {
        version,
        tensors,
        metadata_keys,
        architecture,
        needed_bytes,
        file_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny but complete GGUF: one metadata key, one F32 tensor of 4 elements.
    fn tiny() -> Vec<u8> {
        let mut f = b"GGUF".to_vec();
        f.extend(3u32.to_le_bytes());
        f.extend(1u64.to_le_bytes()); // tensors
        f.extend(1u64.to_le_bytes()); // metadata
        let key = b"general.architecture";
        f.extend((key.len() as u64).to_le_bytes());
        f.extend(key);
        f.extend(8u32.to_le_bytes());
        f.extend(5u64.to_le_bytes());
        f.extend(b"llama");
        let name = b"w";
        f.extend((name.len() as u64).to_le_bytes());
        f.extend(name);
        f.extend(1u32.to_le_bytes());
        f.extend(4u64.to_le_bytes());
        f.extend(0u32.to_le_bytes()); // F32
        f.extend(0u64.to_le_bytes());
        while !f.len().is_multiple_of(32) {
            f.push(0);
        }
        f.extend([0u8; 16]);
        f
    }

    #[test]
    fn a_whole_file_passes_and_a_truncated_or_foreign_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        let bytes = tiny();
        std::fs::write(&path, &bytes).unwrap();
        let summary = inspect(&path).unwrap();
        assert_eq!(summary.architecture.as_deref(), Some("llama"));
        assert_eq!(summary.needed_bytes, bytes.len() as u64);
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(matches!(inspect(&path), Err(GgufError::Truncated { .. })));
        std::fs::write(&path, &bytes[..40]).unwrap();
        assert!(matches!(inspect(&path), Err(GgufError::Corrupt(_))));
        std::fs::write(&path, b"GGUF").unwrap();
        assert!(matches!(inspect(&path), Err(GgufError::Corrupt(_))));
        std::fs::write(&path, b"not a model at all").unwrap();
        assert!(matches!(inspect(&path), Err(GgufError::NotGguf)));
    }
}
