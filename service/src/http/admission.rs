//! How many calls' webhooks are answered at once, and what happens to the rest.
//!
//! Offered more than it can serve, a server that queues everything answers everyone late and
//! holds every queued request in memory until it is answered or the database's acquire timeout
//! gives up on it. Instead a call's webhook takes one of a fixed number of slots; when none is
//! free it waits in a bounded queue for a bounded time, and when the queue is full or the wait
//! runs out it is answered at once with the busy response (an apology and a person, or a call
//! back), having touched nothing. So what is accepted is answered within a bounded time, and the
//! memory held by waiting requests is bounded by the queue, whatever is offered.
//!
//! Calls already under way come first: a new call may only join the queue while it is less than
//! half full, so once the line is past capacity new callers are told it is busy at once and the
//! callers in the middle of a payment keep the slots and the rest of the queue.
//!
//! Only the webhooks that advance a call wait here: a call's end, a text and its delivery status
//! are recorded whatever the load (losing them would lose a record, and they are few), and the
//! hold music loop needs no database.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many webhooks run at once, how many may wait, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionLimits {
    /// Calls' webhooks answered at once.
    pub in_flight: usize,
    /// Webhooks waiting for a slot; one more is answered busy at once.
    pub waiting: usize,
    /// Longest a webhook waits for a slot before it is answered busy.
    pub wait: Duration,
}

impl Default for AdmissionLimits {
    /// Enough in flight to keep the database pools busy; a queue of about a third of a
    /// second's worth of the throughput measured on two cores (BENCHMARKS.md), which with the
    /// slots stays under the default connection cap (2,048), so an overloaded line answers the
    /// excess busy, in voice, before it has to refuse connections (which a provider reads as an
    /// application error); and a wait no longer than the pause a caller tolerates after
    /// pressing a key (and the database pool's own acquire timeout, which bounded it before).
    /// With 1 s, bursts at half of capacity (10,000 calls at a person's pace on PostgreSQL,
    /// BENCHMARKS.md) turned half the calls away.
    fn default() -> Self {
        AdmissionLimits {
            in_flight: 64,
            waiting: 1024,
            wait: Duration::from_secs(3),
        }
    }
}

/// The slots, and the queue in front of them.
#[derive(Debug)]
pub struct Admission {
    slots: std::sync::Arc<Semaphore>,
    waiting: AtomicUsize,
    limits: AdmissionLimits,
}

/// Which webhook asks for a slot: calls under way may use the whole queue, new calls half.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A call's first webhook.
    NewCall,
    /// A webhook of a call already answered (a key pressed, words said, a dial ended).
    CallUnderWay,
}

/// A slot held while a webhook is answered; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Admission {
    /// Slots and queue as `limits` say (at least one slot).
    pub fn new(limits: AdmissionLimits) -> Admission {
        Admission {
            slots: std::sync::Arc::new(Semaphore::new(limits.in_flight.max(1))),
            waiting: AtomicUsize::new(0),
            limits,
        }
    }

    /// A slot, at once or after waiting in the queue; `None` when the queue is full (for a new
    /// call, half full) or the wait ran out (the webhook is then answered busy).
    pub async fn enter(&self, arrival: Arrival) -> Option<Slot> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Some(Slot { _permit: permit });
        }
        let room = match arrival {
            Arrival::CallUnderWay => self.limits.waiting,
            Arrival::NewCall => self.limits.waiting / 2,
        };
        // Counted in before the check, so two arrivals cannot both take the last place.
        let queued = Queued::join(&self.waiting);
        if queued.position > room {
            return None;
        }
        let permit = tokio::time::timeout(self.limits.wait, self.slots.clone().acquire_owned());
        match permit.await {
            Ok(Ok(permit)) => Some(Slot { _permit: permit }),
            // Timed out, or the semaphore was closed (it never is).
            _ => None,
        }
    }

    /// Webhooks waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }
}

/// One place in the queue, given up when dropped (also when the waiting request is cancelled
/// because its client went away).
struct Queued<'a> {
    waiting: &'a AtomicUsize,
    /// How many were waiting with this one counted (1: it is first).
    position: usize,
}

impl<'a> Queued<'a> {
    fn join(waiting: &'a AtomicUsize) -> Queued<'a> {
        let position = waiting.fetch_add(1, Ordering::AcqRel) + 1;
        Queued { waiting, position }
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(in_flight: usize, waiting: usize, wait_ms: u64) -> std::sync::Arc<Admission> {
        std::sync::Arc::new(Admission::new(AdmissionLimits {
            in_flight,
            waiting,
            wait: Duration::from_millis(wait_ms),
        }))
    }

    /// `count` webhooks of calls under way, spawned and waiting in the queue.
    async fn queue_calls_under_way(
        admission: &std::sync::Arc<Admission>,
        count: usize,
    ) -> Vec<tokio::task::JoinHandle<bool>> {
        let before = admission.waiting();
        let waiters = (0..count)
            .map(|_| {
                let admission = admission.clone();
                tokio::spawn(async move { admission.enter(Arrival::CallUnderWay).await.is_some() })
            })
            .collect();
        // Bounded, so that a webhook turned away instead of queued fails the test, not hangs it.
        for _ in 0..1000 {
            if admission.waiting() >= before + count {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(admission.waiting(), before + count, "all of them queued");
        waiters
    }

    #[tokio::test(start_paused = true)]
    async fn a_free_slot_is_taken_at_once_and_freed_when_dropped() {
        let admission = admission(1, 0, 0);
        let slot = admission
            .enter(Arrival::CallUnderWay)
            .await
            .expect("a free slot");
        assert!(
            admission.enter(Arrival::CallUnderWay).await.is_none(),
            "the only slot is taken"
        );
        drop(slot);
        assert!(
            admission.enter(Arrival::CallUnderWay).await.is_some(),
            "freed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_webhook_gets_the_slot_freed_within_the_wait() {
        let admission = admission(1, 4, 1000);
        let slot = admission
            .enter(Arrival::CallUnderWay)
            .await
            .expect("a free slot");
        let waiter = tokio::spawn({
            let admission = admission.clone();
            async move { admission.enter(Arrival::CallUnderWay).await.is_some() }
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(admission.waiting(), 1);
        drop(slot);
        assert!(
            waiter.await.expect("joined"),
            "entered once the slot was freed"
        );
        assert_eq!(admission.waiting(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_webhook_that_waits_too_long_is_turned_away() {
        let admission = admission(1, 4, 1000);
        let _slot = admission
            .enter(Arrival::CallUnderWay)
            .await
            .expect("a free slot");
        let started = tokio::time::Instant::now();
        assert!(admission.enter(Arrival::CallUnderWay).await.is_none());
        assert_eq!(
            started.elapsed(),
            Duration::from_millis(1000),
            "after the whole wait"
        );
        assert_eq!(admission.waiting(), 0, "its place is given up");
    }

    #[tokio::test(start_paused = true)]
    async fn with_the_queue_full_a_webhook_is_turned_away_at_once() {
        let admission = admission(1, 2, 60_000);
        let _slot = admission
            .enter(Arrival::CallUnderWay)
            .await
            .expect("a free slot");
        let waiters = queue_calls_under_way(&admission, 2).await;
        let started = tokio::time::Instant::now();
        assert!(
            admission.enter(Arrival::CallUnderWay).await.is_none(),
            "the queue is full"
        );
        assert_eq!(started.elapsed(), Duration::ZERO, "answered at once");
        assert_eq!(admission.waiting(), 2, "the queue is as it was");
        for waiter in waiters {
            waiter.abort();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_call_is_turned_away_once_the_queue_is_half_full_a_call_under_way_is_not() {
        let admission = admission(1, 4, 60_000);
        let _slot = admission
            .enter(Arrival::CallUnderWay)
            .await
            .expect("a free slot");
        let waiters = queue_calls_under_way(&admission, 2).await;
        let started = tokio::time::Instant::now();
        assert!(
            admission.enter(Arrival::NewCall).await.is_none(),
            "half full: no new call"
        );
        assert_eq!(started.elapsed(), Duration::ZERO, "answered at once");
        let under_way = queue_calls_under_way(&admission, 1).await;
        assert!(
            !under_way[0].is_finished(),
            "a call under way still joins the queue"
        );
        for waiter in waiters.into_iter().chain(under_way) {
            waiter.abort();
        }
    }
}
