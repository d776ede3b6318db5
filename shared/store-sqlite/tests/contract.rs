//! The storage-port contract suite on the SQLite adapter (in memory and on disk).

use std::sync::Arc;

use crm_store_sqlite::SqliteStore;

mod in_memory {
    use super::*;
    crm_store_tests::store_contract_suite!(async {
        Arc::new(SqliteStore::in_memory().expect("store"))
    });
}

mod on_disk {
    use super::*;
    crm_store_tests::store_contract_suite!(async {
        let dir = std::env::temp_dir().join(format!(
            "crm-contract-{}",
            crm_store_tests::unique_prefix().replace('#', "")
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        Arc::new(SqliteStore::open(&dir.join("crm.sqlite3")).expect("store"))
    });
}
