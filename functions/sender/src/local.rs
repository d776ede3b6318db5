//! The embedded delivery queue local-api runs (issue 22: "in local-api the
//! same sender on the embedded queue"): [`LocalSendQueue`] implements the
//! `SendQueue` port over `crm_http::embedded`, and [`LocalSender`] works
//! each job after its delay with the same `Crm::deliver` the Lambda calls,
//! at most [`LOCAL_CONCURRENCY`] at once, and sweeps the outbox on a timer.
//!
//! It survives a restart because the jobs are the store's: the outbox is
//! the message item, and at start the sender wakes every pending send at
//! once; a send a dead process had claimed is recorded `delivery_unknown`
//! by the sweep once its claim ends.

use std::sync::Arc;
use std::time::Duration;

use crm_domain::reply::QueueError;
use crm_domain::sending::{Couriers, SendJob, SendQueue};
use crm_domain::Crm;
use crm_http::embedded::{EmbeddedQueue, EmbeddedRunner};

/// Sends made at once by the embedded sender.
pub const LOCAL_CONCURRENCY: usize = 4;

/// The sending side: what `Crm::with_send_queue` takes.
#[derive(Clone)]
pub struct LocalSendQueue(EmbeddedQueue<SendJob>);

#[async_trait::async_trait]
impl SendQueue for LocalSendQueue {
    /// Errors: the sender has stopped (the process is shutting down).
    async fn enqueue_sends(&self, jobs: &[SendJob], delay: Duration) -> Result<(), QueueError> {
        self.0.push(jobs.iter().copied(), delay).map_err(QueueError)
    }
}

/// The receiving side, to [`LocalSender::spawn`] once the `Crm` holds the queue.
pub struct LocalSender(EmbeddedRunner<SendJob>);

/// A connected queue and sender.
pub fn channel() -> (LocalSendQueue, LocalSender) {
    let (queue, runner) = crm_http::embedded::channel();
    (LocalSendQueue(queue), LocalSender(runner))
}

impl LocalSender {
    /// Runs the sender on the current runtime: every job after its delay,
    /// the sweep at start (every pending send: none is in flight yet) and
    /// then every `sweep_every`. `crm` must send to this sender's
    /// [`LocalSendQueue`].
    pub fn spawn(
        self,
        crm: Crm,
        couriers: Couriers,
        sweep_every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let couriers = Arc::new(couriers);
        let sweeper = crm.clone();
        let work = move |job: SendJob| {
            let (crm, couriers) = (crm.clone(), couriers.clone());
            async move {
                match crm.deliver(&job, &couriers).await {
                    Ok(outcome) => crate::log_outcome(&job, &outcome),
                    Err(e) => {
                        tracing::warn!(log_id = job.log_id.get(), error = %e, "send job failed; the sweep retries it")
                    }
                }
            }
        };
        let sweep = move |at_start: bool| {
            let crm = sweeper.clone();
            async move {
                let result = match at_start {
                    true => crm.sweep_sends(Duration::ZERO).await.map(|_| ()),
                    false => crate::handle_sweep(&crm).await.map(|_| ()),
                };
                if let Err(e) = result {
                    tracing::warn!(error = %e, at_start, "outbox sweep failed");
                }
            }
        };
        self.0.spawn(LOCAL_CONCURRENCY, sweep_every, work, sweep)
    }
}
