//! The embedded delivery queue local-api runs (issue 22: "in local-api the
//! same sender on the embedded queue"): [`LocalSendQueue`] implements the
//! `SendQueue` port over a channel, and [`LocalSender`] works each job
//! after its delay with the same `Crm::deliver` the Lambda calls, at most
//! [`LOCAL_CONCURRENCY`] at once, and sweeps the outbox on a timer.
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
use tokio::sync::{mpsc, Semaphore};

/// Sends made at once by the embedded sender.
pub const LOCAL_CONCURRENCY: usize = 4;

/// The sending side: what `Crm::with_send_queue` takes.
#[derive(Clone)]
pub struct LocalSendQueue {
    tx: mpsc::UnboundedSender<(SendJob, Duration)>,
}

#[async_trait::async_trait]
impl SendQueue for LocalSendQueue {
    /// Errors: the sender has stopped (the process is shutting down).
    async fn enqueue_sends(&self, jobs: &[SendJob], delay: Duration) -> Result<(), QueueError> {
        for job in jobs {
            self.tx
                .send((*job, delay))
                .map_err(|_| QueueError("the embedded sender has stopped".into()))?;
        }
        Ok(())
    }
}

/// The receiving side, to [`LocalSender::spawn`] once the `Crm` holds the queue.
pub struct LocalSender {
    rx: mpsc::UnboundedReceiver<(SendJob, Duration)>,
}

/// A connected queue and sender.
pub fn channel() -> (LocalSendQueue, LocalSender) {
    let (tx, rx) = mpsc::unbounded_channel();
    (LocalSendQueue { tx }, LocalSender { rx })
}

impl LocalSender {
    /// Runs the sender on the current runtime: every job after its delay,
    /// the sweep at start (every pending send) and then every
    /// `sweep_every`. `crm` must send to this sender's [`LocalSendQueue`].
    pub fn spawn(
        mut self,
        crm: Crm,
        couriers: Couriers,
        sweep_every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let permits = Arc::new(Semaphore::new(LOCAL_CONCURRENCY));
        let couriers = Arc::new(couriers);
        let sweeper = crm.clone();
        tokio::spawn(async move {
            // At start every pending send is due: none is in flight yet.
            if let Err(e) = sweeper.sweep_sends(Duration::ZERO).await {
                tracing::warn!(error = %e, "outbox sweep at start failed");
            }
            let mut tick = tokio::time::interval(sweep_every);
            tick.tick().await;
            loop {
                tokio::select! {
                    next = self.rx.recv() => {
                        let Some((job, delay)) = next else { break };
                        let (crm, couriers, permits) = (crm.clone(), couriers.clone(), permits.clone());
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            let Ok(_permit) = permits.acquire().await else { return };
                            match crm.deliver(&job, &couriers).await {
                                Ok(outcome) => crate::log_outcome(&job, &outcome),
                                Err(e) => tracing::warn!(log_id = job.log_id.get(), error = %e, "send job failed; the sweep retries it"),
                            }
                        });
                    }
                    _ = tick.tick() => {
                        if let Err(e) = crate::handle_sweep(&sweeper).await {
                            tracing::warn!(error = %e, "outbox sweep failed");
                        }
                    }
                }
            }
        })
    }
}
