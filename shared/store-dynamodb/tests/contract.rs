//! The storage-port contract suite on the DynamoDB adapter, against DynamoDB
//! Local (the emulator `make test` starts), each test on a fresh table.

use std::sync::Arc;

crm_store_tests::store_contract_suite!(async {
    Arc::new(
        crm_store_dynamodb::testing::fresh_store()
            .await
            .expect("a table on DynamoDB Local"),
    )
});
