//! A Lambda's start-up from the environment, against DynamoDB Local: without
//! `TABLE_NAME` it refuses to start with a message naming the variable; with
//! it, the state serves the CRM's rules over that table, the client being
//! built on first use with the environment's credentials (as on Lambda).
//!
//! One test function, because it sets process-wide environment variables.

use crm_domain::customers::{CustomerInput, CustomerRef};
use crm_domain::types::CustomerId;
use crm_store_dynamodb::testing;

#[tokio::test]
async fn starts_only_with_a_table_and_then_serves_from_it() {
    let endpoint = testing::emulator_endpoint();
    // SAFETY: this test binary has this one test, so nothing reads the
    // environment concurrently.
    unsafe {
        std::env::remove_var("TABLE_NAME");
        std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", &endpoint);
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "dummy");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "dummy");
    }
    let refused = crm_lambda::state_from_env()
        .await
        .err()
        .map(|e| e.to_string());
    assert!(
        refused.as_deref().is_some_and(|m| m.contains("TABLE_NAME")),
        "{refused:?}"
    );

    let table = testing::fresh_table_name();
    testing::create_table(&table)
        .await
        .expect("a table on DynamoDB Local");
    unsafe { std::env::set_var("TABLE_NAME", &table) };
    let state = crm_lambda::state_from_env()
        .await
        .expect("state over the table");
    let created = state
        .crm
        .create_customer(&CustomerInput {
            email: Some("lambda@example.com".into()),
            ..Default::default()
        })
        .await
        .expect("create through the lazily built client");
    let id = CustomerId::parse("id", &created.customer_id.to_string()).expect("id");
    let found = state
        .crm
        .find_customer(&CustomerRef::Id(id))
        .await
        .expect("read back");
    assert_eq!(found.email.as_deref(), Some("lambda@example.com"));
}
