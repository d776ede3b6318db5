//! `local-api`: serves the whole CRM API on the embedded store.
//!
//! `cargo run --release -p local-api [-- --addr 127.0.0.1:3000]`; see the README for settings.

use std::process::ExitCode;

fn addr() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(std::env::var("CRM_ADDR")
            .ok()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| "127.0.0.1:3000".into())),
        [flag, value] if flag == "--addr" => Ok(value.clone()),
        [single] if single.starts_with("--addr=") => Ok(single["--addr=".len()..].to_string()),
        _ => Err("usage: local-api [--addr HOST:PORT]".into()),
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn run() -> Result<(), String> {
    let addr = addr()?;
    crm_http::bootstrap::load_secrets()
        .await
        .map_err(|e| e.to_string())?;
    let store = local_api::store::from_env()
        .await
        .map_err(|e| e.to_string())?;
    let state = crm_http::bootstrap::state_with(store).map_err(|e| e.to_string())?;
    let (state, hub) = local_api::with_events(state);
    let (state, provider) = local_api::reply::with_embedded_worker(state)
        .await
        .map_err(|e| e.to_string())?;
    let state = local_api::sender::with_embedded_sender(state)
        .await
        .map_err(|e| e.to_string())?;
    let data_dir = local_api::store::data_dir();
    let configured = std::env::var("CRM_API_KEYS").ok();
    let (keys, fresh) =
        local_api::keys::load_or_create(configured.as_deref(), &data_dir).map_err(|e| {
            format!(
                "cannot keep the API key digest in {}: {e}",
                data_dir.display()
            )
        })?;
    if let Some(key) = fresh {
        eprintln!(
            "local-api: new API key (shown once; only its SHA-256 is kept in {}):",
            data_dir.join(local_api::keys::DIGEST_FILE).display()
        );
        eprintln!("    {key}");
    }
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(addr = %bound, keys = keys.len(), data_dir = %data_dir.display(), reply_provider = provider, "local-api listening");
    eprintln!("local-api: serving http://{bound}");
    let app = local_api::app_with_events(state, crm_http::Auth::Keys(keys), hub);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    crm_http::init_tracing();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local-api: {e}");
            ExitCode::FAILURE
        }
    }
}
