//! API keys of local-api: `CRM_API_KEYS` when set; otherwise one key made on
//! first start, printed once, and kept only as its SHA-256 digest in
//! `<CRM_DATA_DIR>/api-key.sha256`.

use std::path::Path;

use crm_http::auth::{digest, from_hex, to_hex};
use crm_http::ApiKeys;

/// File in the data dir holding the generated key's digest.
pub const DIGEST_FILE: &str = "api-key.sha256";

/// The keys to accept, and the plaintext of a key made just now (to print once).
pub fn load_or_create(
    configured: Option<&str>,
    data_dir: &Path,
) -> std::io::Result<(ApiKeys, Option<String>)> {
    if let Some(list) = configured.filter(|l| !l.trim().is_empty()) {
        return Ok((ApiKeys::from_plaintext(list.split(',')), None));
    }
    let path = data_dir.join(DIGEST_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Some(d) = from_hex(&text) {
            return Ok((ApiKeys::from_digests([d]), None));
        }
    }
    let key = format!(
        "crm_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(&path, to_hex(&digest(&key)) + "\n")?;
    Ok((ApiKeys::from_plaintext([key.as_str()]), Some(key)))
}
