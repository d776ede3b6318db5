//! The embedded queue local-api runs (issue 9: "the same worker code
//! in-process"): [`LocalQueue`] implements the `JobQueue` port over
//! `crm_http::embedded`, and [`LocalWorker`] drafts each job after its
//! delay with the same `Crm::draft_reply` the Lambda calls, at most
//! [`LOCAL_CONCURRENCY`] at once, and runs the sweep on a timer.
//!
//! It survives a restart because the jobs are the store's, not the
//! channel's: the outbox (`reply_log_id`, GSI4 `REPLY_JOBS`) is written
//! with the message, and at start the worker sweeps every pending job at
//! once (nothing of this process can be in flight yet). A failed job is
//! left pending and retried by the sweep, as on AWS.

use std::sync::Arc;
use std::time::Duration;

use crm_domain::reply::{JobQueue, QueueError, ReplyJob, ReplyModel};
use crm_domain::Crm;
use crm_http::embedded::{EmbeddedQueue, EmbeddedRunner};

/// Jobs drafted at once by the embedded worker.
pub const LOCAL_CONCURRENCY: usize = 2;

/// The sending side: what `Crm::with_queue` takes.
#[derive(Clone)]
pub struct LocalQueue(EmbeddedQueue<ReplyJob>);

#[async_trait::async_trait]
impl JobQueue for LocalQueue {
    /// Errors: the worker has stopped (the process is shutting down).
    async fn enqueue(&self, jobs: &[ReplyJob], delay: Duration) -> Result<(), QueueError> {
        self.0.push(jobs.iter().cloned(), delay).map_err(QueueError)
    }
}

/// The receiving side, to [`LocalWorker::spawn`] once the `Crm` holds the queue.
pub struct LocalWorker(EmbeddedRunner<ReplyJob>);

/// A connected queue and worker.
pub fn channel() -> (LocalQueue, LocalWorker) {
    let (queue, runner) = crm_http::embedded::channel();
    (LocalQueue(queue), LocalWorker(runner))
}

impl LocalWorker {
    /// Runs the worker on the current runtime: every job after its delay,
    /// the sweep at start (every pending job) and then every `sweep_every`.
    /// `crm` must send to this worker's [`LocalQueue`].
    pub fn spawn(
        self,
        crm: Crm,
        model: Arc<dyn ReplyModel>,
        sweep_every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let sweeper = crm.clone();
        let work = move |job: ReplyJob| {
            let (crm, model) = (crm.clone(), model.clone());
            async move {
                match crm.draft_reply(&job, model.as_ref()).await {
                    Ok(outcome) => {
                        tracing::info!(log_id = job.log_id.get(), outcome = ?outcome, "reply job done")
                    }
                    Err(e) => {
                        tracing::warn!(log_id = job.log_id.get(), error = %e, "reply job failed; the sweep retries it")
                    }
                }
            }
        };
        let sweep = move |at_start: bool| {
            let crm = sweeper.clone();
            async move {
                let result = match at_start {
                    // At start: every job still pending is due (none is in flight yet).
                    true => {
                        let at = crm.now() + crm.settings().reply.sweep_grace;
                        crm.sweep_reply_jobs(at).await.map(|_| ())
                    }
                    false => crate::handle_sweep(&crm).await.map(|_| ()),
                };
                if let Err(e) = result {
                    tracing::warn!(error = %e, at_start, "reply sweep failed");
                }
            }
        };
        self.0.spawn(LOCAL_CONCURRENCY, sweep_every, work, sweep)
    }
}
