//! Write sharding (issue 21, `docs/data-model.md` "Write sharding"): no
//! partition key — of the table or of any GSI — is written by every message.
//!
//! 20,000 messages over 2,000 conversations go through `POST /log`'s flow
//! (`Crm::log_message`, alternating inbound and outbound as a conversation
//! does) into a store wrapped by [`PartitionWrites`], which counts the item
//! writes each partition key receives, on the table and on every GSI it
//! lands in. The keys are the domain's (the store adapter only stores them),
//! so the embedded store stands for DynamoDB here, at a speed CI affords.

use std::sync::Arc;

use crm_domain::customers::CustomerInput;
use crm_domain::messages::LogMessage;
use crm_domain::{Crm, Settings};
use crm_store_tests::PartitionWrites;
use serde_json::json;

const CONVERSATIONS: usize = 2_000;
const MESSAGES_EACH: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_partition_takes_more_than_an_eighth_of_the_writes() {
    let store = Arc::new(PartitionWrites::new(Arc::new(
        crm_store_sqlite::SqliteStore::in_memory().expect("in-memory store"),
    )));
    let crm = Crm::new(store.clone(), Settings::default());
    let mut customers = Vec::with_capacity(CONVERSATIONS);
    for i in 0..CONVERSATIONS {
        let input: CustomerInput =
            serde_json::from_value(json!({"email": format!("sim{i}@example.com")}))
                .expect("customer input");
        customers.push(
            crm.create_customer(&input)
                .await
                .expect("customer")
                .customer_id,
        );
        store.next_request();
    }
    // Round-robin over the conversations, as traffic interleaves them.
    for round in 0..MESSAGES_EACH {
        let direction = if round % 2 == 0 {
            "inbound"
        } else {
            "outbound"
        };
        for customer_id in &customers {
            let input: LogMessage = serde_json::from_value(json!({
                "customer_id": customer_id, "channel": "sms",
                "channel_identifier": "+14165550000", "direction": direction,
                "message_body": "simulated",
            }))
            .expect("log input");
            crm.log_message(&input).await.expect("logged");
            store.next_request();
        }
    }
    let messages = (CONVERSATIONS * MESSAGES_EACH) as u64;
    assert_eq!(store.requests(), messages + CONVERSATIONS as u64);
    let total = store.total();
    let (busiest, writes) = store.busiest_by_writes().expect("writes counted");
    let top: Vec<_> = store.writes().into_iter().take(8).collect();
    assert!(
        writes * 8 <= total,
        "{busiest} took {writes} of {total} item writes (> 1/8); busiest: {top:?}"
    );
    // Stronger, and what the ceiling depends on: no partition key is
    // written by more than an eighth of the requests.
    let (busiest, requests) = store.busiest_by_requests().expect("requests counted");
    assert!(
        requests * 8 <= store.requests(),
        "{busiest} was written by {requests} of {} requests (> 1/8); busiest by writes: {top:?}",
        store.requests()
    );
    // Every message wrote something, so the figures above mean something.
    assert!(
        total >= messages * 4,
        "{total} item writes for {messages} messages"
    );
}
