//! `mneme mcp` as another AI tool sees it: rmcp's own client starts the real binary over stdio,
//! does the MCP handshake, lists the tools and calls them against a real memory store, with the
//! writes going through the real daemon.

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};

use crate::common::{DataDir, status};

type Client = rmcp::service::RunningService<rmcp::RoleClient, ()>;

async fn connect(data: &DataDir) -> Client {
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mneme")).configure(|cmd| {
        cmd.arg("--data-dir")
            .arg(data.path())
            .arg("mcp")
            .env("TZ", "UTC")
            .env_remove("MNEME_HOME");
    });
    let transport = TokioChildProcess::new(command).expect("start mneme mcp");
    ().serve(transport).await.expect("the MCP handshake")
}

/// Calls `tool` with `arguments` and parses its text reply as JSON.
async fn call(
    client: &Client,
    tool: &'static str,
    arguments: serde_json::Value,
) -> serde_json::Value {
    let result = client
        .call_tool(
            CallToolRequestParams::new(tool)
                .with_arguments(arguments.as_object().expect("an object").clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert_ne!(result.is_error, Some(true), "{tool}: {result:?}");
    let text = &result.content[0].as_text().expect("text content").text;
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{tool}: {e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tool_searches_adds_pins_and_forgets_mnemes_memories() {
    let data = DataDir::new();
    data.run(
        &[
            "memory",
            "add",
            "The user rides a green Brompton folding bike to work.",
        ],
        true,
    );
    let client = connect(&data).await;
    let server = client.peer_info().expect("the server introduced itself");
    assert_eq!(
        server.server_info.as_ref().map(|i| i.name.as_str()),
        Some("mneme")
    );

    let mut tools: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    tools.sort();
    assert_eq!(
        tools,
        [
            "add_memory",
            "forget_memory",
            "list_memories",
            "pin_memory",
            "recall",
            "search_memory"
        ]
    );

    // What the CLI remembered, another tool finds.
    let found = call(
        &client,
        "search_memory",
        serde_json::json!({"query": "What bike does the user ride?", "k": 3}),
    )
    .await;
    assert!(
        found[0]["text"].as_str().unwrap().contains("Brompton"),
        "{found}"
    );

    // What another tool remembers, mneme has: through the daemon, seen by the CLI.
    let added = call(
        &client,
        "add_memory",
        serde_json::json!({"text": "The user's sister Ines lives in Porto."}),
    )
    .await;
    let id = added["id"].as_str().unwrap().to_string();
    let shown = data.json(&["memory", "show", &id, "--json"]);
    assert_eq!(shown["text"], "The user's sister Ines lives in Porto.");
    assert_eq!(status(&data)["running"], true, "writes went to the daemon");

    let recalled = call(
        &client,
        "recall",
        serde_json::json!({"question": "Where does my sister live?"}),
    )
    .await;
    assert!(
        recalled["block"].as_str().unwrap().contains("Porto"),
        "{recalled}"
    );
    let silent = call(
        &client,
        "recall",
        serde_json::json!({"question": "How do I compute a matrix determinant?"}),
    )
    .await;
    assert_eq!(silent["items"].as_array().unwrap().len(), 0, "{silent}");

    let listed = call(
        &client,
        "list_memories",
        serde_json::json!({"kind": "note"}),
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    let pinned = call(&client, "pin_memory", serde_json::json!({"id": &id[..12]})).await;
    assert_eq!(pinned["id"], id.as_str());
    assert_eq!(
        data.json(&["memory", "show", &id, "--json"])["pinned"],
        true
    );

    call(&client, "forget_memory", serde_json::json!({"id": id})).await;
    let gone = data.run(&["memory", "show", &id], false);
    assert!(!gone.status.success());

    // A bad call is a tool error, not a dead server.
    let bad = client
        .call_tool(
            CallToolRequestParams::new("pin_memory").with_arguments(
                serde_json::json!({"id": "no-such-id"})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await;
    assert!(bad.is_err() || bad.unwrap().is_error == Some(true));
    let still = call(&client, "list_memories", serde_json::json!({})).await;
    assert_eq!(still.as_array().unwrap().len(), 1);
    client.cancel().await.unwrap();
}
