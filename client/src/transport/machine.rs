//! Driving a connection's state machine from the task that uses the connection.
//!
//! hyper's HTTP/1.1 connection is two halves: a handle that takes requests, and a state machine
//! (a future) that reads and writes the socket. The client polls the state machine from the task
//! waiting on the connection, whenever that task polls for a response or a body. The machine's
//! own wake-ups then mostly point back at the task that is polling it: a request handed to it,
//! a body read from it. Sent through the scheduler, each would cost a spurious poll (and on a
//! multi-thread runtime, perhaps waking another worker). So the machine runs with a waker of its
//! own, which, while a task is busy with the connection, only notes the wake-up: the busy task
//! drives the machine once more before it waits. Otherwise (the socket became readable while
//! the task waited) it wakes the task.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures::task::AtomicWaker;

/// No task is busy with the connection: wake-ups go to the task that used it last.
const IDLE: u8 = 0;
/// A task is busy with the connection and drives it again before it waits.
const BUSY: u8 = 1;
/// Like `BUSY`, and the machine has asked to be polled again.
const WOKEN: u8 = 2;

/// How many times a busy task drives a machine that keeps waking itself before it lets the
/// scheduler run other tasks.
const MAX_DRIVES: usize = 16;

/// A connection's state machine.
pub(super) struct Machine {
    /// `None` once finished (the connection closed, or was upgraded), and then dropped, so
    /// that whatever waited on it (a response, a body) ends too.
    io: Option<Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>>,
    signal: Arc<Signal>,
    /// `signal` as a waker, made once.
    waker: Waker,
}

/// The machine's waker.
struct Signal {
    state: AtomicU8,
    /// The task that used the connection last.
    task: AtomicWaker,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        match self
            .state
            .compare_exchange(BUSY, WOKEN, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) | Err(WOKEN) => {}
            Err(_) => self.task.wake(),
        }
    }
}

impl Machine {
    pub(super) fn new(io: impl Future<Output = hyper::Result<()>> + Send + 'static) -> Self {
        let signal = Arc::new(Signal {
            state: AtomicU8::new(IDLE),
            task: AtomicWaker::new(),
        });
        Machine {
            io: Some(Box::pin(io)),
            waker: Waker::from(signal.clone()),
            signal,
        }
    }

    pub(super) fn finished(&self) -> bool {
        self.io.is_none()
    }

    /// Says that the task is busy with the connection: it is about to hand it a request, and
    /// drives it next.
    pub(super) fn begin(&self) {
        self.signal.state.store(BUSY, Ordering::Release);
    }

    /// Forgets the task that used the connection last: an idle connection wakes nobody, and
    /// holds no finished task's memory.
    pub(super) fn rest(&self) {
        drop(self.signal.task.take());
    }

    /// Lets the connection read and write what it can. Its errors reach the request or body
    /// waiting on it.
    fn drive(&mut self) {
        if let Some(io) = &mut self.io {
            let mut cx = Context::from_waker(&self.waker);
            if io.as_mut().poll(&mut cx).is_ready() {
                self.io = None;
            }
        }
    }

    /// Polls something that only this state machine advances (the connection's readiness for
    /// a request, a response, a body), driving the machine until it is ready or the machine
    /// waits for the socket.
    ///
    /// `poll` gets a context that wakes nobody: what it polls can only become ready while the
    /// machine is driven, and it is polled again after each drive.
    pub(super) fn drive_for<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.signal.task.register(cx.waker());
        self.begin();
        let mut quiet = Context::from_waker(Waker::noop());
        for _ in 0..MAX_DRIVES {
            if let Poll::Ready(output) = poll(&mut quiet) {
                // Whatever the machine asked for, it gets when it is driven next: the next
                // poll of this connection drives it first.
                self.signal.state.store(IDLE, Ordering::Release);
                return Poll::Ready(output);
            }
            self.drive();
            if let Poll::Ready(output) = poll(&mut quiet) {
                self.signal.state.store(IDLE, Ordering::Release);
                return Poll::Ready(output);
            }
            if self
                .signal
                .state
                .compare_exchange(BUSY, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                // Waiting for the socket: its readiness wakes the task.
                return Poll::Pending;
            }
            self.begin();
        }
        // The machine keeps asking to be polled: let other tasks run first.
        self.signal.state.store(IDLE, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Runs the machine to its end in a task of its own: an upgraded connection's machine
    /// must finish for the upgrade to complete, whoever waits on it.
    pub(super) fn spawn(mut self) {
        if self.finished() {
            return;
        }
        tokio::spawn(std::future::poll_fn(move |cx| {
            let _ = self.drive_for(cx, |_| Poll::<()>::Pending);
            if self.finished() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    /// A waker that counts its wake-ups.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A state machine that wakes itself `times` times, then finishes and says so in `done`.
    fn restless(
        times: usize,
        done: Arc<std::sync::atomic::AtomicBool>,
    ) -> impl Future<Output = hyper::Result<()>> + Send {
        let mut left = times;
        std::future::poll_fn(move |cx| {
            if left == 0 {
                done.store(true, Ordering::SeqCst);
                return Poll::Ready(Ok(()));
            }
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
    }

    #[test]
    fn wake_ups_while_busy_are_driven_at_once_not_scheduled() {
        let task = Arc::new(Count::default());
        let waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&waker);
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut machine = Machine::new(restless(5, done.clone()));
        // What the task waits for is ready once the machine has finished.
        let poll = machine.drive_for(&mut cx, |_| {
            if done.load(Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        });
        assert!(poll.is_ready());
        assert!(machine.finished());
        assert_eq!(
            task.0.load(Ordering::SeqCst),
            0,
            "no wake-up went to the task"
        );
    }

    #[test]
    fn a_machine_that_never_rests_yields_to_the_scheduler() {
        let task = Arc::new(Count::default());
        let waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&waker);
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut machine = Machine::new(restless(usize::MAX, done));
        let poll = machine.drive_for(&mut cx, |_| Poll::<()>::Pending);
        assert!(poll.is_pending());
        assert_eq!(
            task.0.load(Ordering::SeqCst),
            1,
            "the task is woken to come back"
        );
        assert!(!machine.finished());
    }

    #[test]
    fn a_wake_up_while_the_task_waits_reaches_the_task() {
        // A machine that waits for "the socket": it keeps its waker for the test to call.
        let socket: Arc<Mutex<Option<Waker>>> = Arc::default();
        let registered = socket.clone();
        let mut machine = Machine::new(std::future::poll_fn(move |cx| {
            *registered.lock().unwrap() = Some(cx.waker().clone());
            Poll::<hyper::Result<()>>::Pending
        }));
        let task = Arc::new(Count::default());
        let waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(machine
            .drive_for(&mut cx, |_| Poll::<()>::Pending)
            .is_pending());
        assert_eq!(task.0.load(Ordering::SeqCst), 0);

        // From another thread, as a reactor would.
        let wake = socket
            .lock()
            .unwrap()
            .take()
            .expect("the machine registered");
        std::thread::spawn(move || wake.wake()).join().unwrap();
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
    }
}
