//! The in-process queue local-api runs each worker on (issue 9's reply
//! jobs, issue 22's send jobs): what SQS and a Lambda event source are on
//! AWS — a job delivered after its delay, at most `concurrency` worked at
//! once — plus the worker's sweep, at start and then on a timer.
//!
//! The jobs are pointers into the store (its outbox), not the truth, so a
//! job lost with the process is found again by the sweep at the next start.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Semaphore};

/// The sending side: what a worker's queue port wraps.
pub struct EmbeddedQueue<J> {
    tx: mpsc::UnboundedSender<(J, Duration)>,
}

impl<J> Clone for EmbeddedQueue<J> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<J> EmbeddedQueue<J> {
    /// Queues `jobs`, each to be worked no sooner than `delay` from now.
    ///
    /// Errors: the runner has stopped (the process is shutting down).
    pub fn push(&self, jobs: impl IntoIterator<Item = J>, delay: Duration) -> Result<(), String> {
        for job in jobs {
            self.tx
                .send((job, delay))
                .map_err(|_| "the embedded worker has stopped".to_string())?;
        }
        Ok(())
    }
}

/// The receiving side, to [`EmbeddedRunner::spawn`] once the service holds the queue.
pub struct EmbeddedRunner<J> {
    rx: mpsc::UnboundedReceiver<(J, Duration)>,
}

/// A connected queue and runner.
pub fn channel<J>() -> (EmbeddedQueue<J>, EmbeddedRunner<J>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (EmbeddedQueue { tx }, EmbeddedRunner { rx })
}

impl<J: Send + 'static> EmbeddedRunner<J> {
    /// Runs on the current runtime: `sweep(true)` at start, then every job
    /// after its delay through `work` (at most `concurrency` at once), and
    /// `sweep(false)` every `sweep_every`. Each closure logs its own outcome.
    pub fn spawn<W, WF, S, SF>(
        mut self,
        concurrency: usize,
        sweep_every: Duration,
        work: W,
        sweep: S,
    ) -> tokio::task::JoinHandle<()>
    where
        W: Fn(J) -> WF + Send + Sync + 'static,
        WF: Future<Output = ()> + Send + 'static,
        S: Fn(bool) -> SF + Send + 'static,
        SF: Future<Output = ()> + Send,
    {
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let work = Arc::new(work);
        tokio::spawn(async move {
            sweep(true).await;
            let mut tick = tokio::time::interval(sweep_every);
            tick.tick().await;
            loop {
                tokio::select! {
                    next = self.rx.recv() => {
                        let Some((job, delay)) = next else { break };
                        let (work, permits) = (work.clone(), permits.clone());
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            let Ok(_permit) = permits.acquire().await else { return };
                            work(job).await;
                        });
                    }
                    _ = tick.tick() => sweep(false).await,
                }
            }
        })
    }
}
