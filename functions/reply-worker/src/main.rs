//! The `crm-reply-worker` Lambda: SQS reply jobs and the sweep's schedule.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    crm_reply_worker::run().await
}
