//! Foreign resources: describe a primitive weft did not write (tokio's `Mutex` and `Semaphore`,
//! `futures::lock::Mutex`, `async-lock`, your own) so that every checker applies to it.
//!
//! A [`Resource`] is a name, a capacity and a FIFO promise registered with the running
//! simulation. [`Resource::acquire`] wraps the primitive's own acquire future: it records
//! `Request` when first polled, `Grant` when the future completes, `Abandon` if the future is
//! dropped first (a cancellation), and returns a [`Held`] guard that records `Release` when
//! dropped. The checkers then see the same protocol weft's own Lock speaks.
//!
//! It lives in `weft-traces`, next to the recorder hook it reports through, because it needs
//! nothing else: no executor (it wraps any future, like the primitives it describes, so it
//! works under tokio or `futures::executor` too, where it records nothing), and no primitive.
//!
//! ```
//! use weft_traces::foreign::Resource;
//! # futures::executor::block_on(async {
//! let mutex = futures::lock::Mutex::new(0);
//! let res = Resource::new("counter", 1, false);
//! {
//!     let mut held = res.acquire(mutex.lock()).await; // Request, Grant
//!     **held += 1;                                     // the inner guard, through `Held`
//! }                                                    // Release
//! assert_eq!(*mutex.lock().await, 1);
//! # });
//! ```

use crate::event::{Op, ResourceKind};
use crate::ids::{ResourceId, TaskId};
use crate::recorder::Registration;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// A foreign primitive described to the checkers: copy it freely, every copy is the same
/// resource.
///
/// ```
/// use weft_traces::foreign::Resource;
/// // Outside a simulation it has no id and records nothing; it registers with the run that
/// // first uses it, wherever it was created (as weft's own primitives do).
/// let db = Resource::new("db", 2, true);
/// assert_eq!(db.id(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Resource {
    registration: Rc<Registration>,
}

/// Two handles are equal when they describe the same resource (clones of one `Resource::new`).
impl PartialEq for Resource {
    fn eq(&self, other: &Resource) -> bool {
        Rc::ptr_eq(&self.registration, &other.registration)
    }
}

impl Eq for Resource {}

impl Resource {
    /// Registers a resource that admits `capacity` holders at once and, if `fifo`, promises to
    /// grant waiters in the order they began waiting (the FIFO checker then holds it to that).
    ///
    /// ```
    /// let lock = weft_traces::foreign::Resource::new("tokio-mutex", 1, true);
    /// # let _ = lock;
    /// ```
    pub fn new(name: &str, capacity: u64, fifo: bool) -> Resource {
        Resource { registration: Rc::new(Registration::new(ResourceKind::Foreign, name, Some(capacity), fifo)) }
    }

    /// The id in the running simulation (`None` outside one).
    ///
    /// ```
    /// assert!(weft_traces::foreign::Resource::new("r", 1, true).id().is_none());
    /// ```
    pub fn id(&self) -> Option<ResourceId> {
        self.registration.id()
    }

    /// Wraps the primitive's acquire future (`mutex.lock()`, `semaphore.acquire()`): records
    /// `Request` at its first poll, `Grant` when it completes, `Abandon` if it is dropped before.
    /// The output is a [`Held`] guard around the future's own output (its guard).
    ///
    /// The future's completion is what counts as the grant: when the primitive's acquire can fail
    /// (tokio's `acquire()` on a closed semaphore), handle the failure inside the wrapped future,
    /// so that it completes only holding the unit.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = tokio::sync::Semaphore::new(1);
    /// let res = weft_traces::foreign::Resource::new("sem", 1, true);
    /// let permit = res.acquire(sem.acquire()).await;
    /// assert!(permit.is_ok()); // tokio's Result<SemaphorePermit, AcquireError>
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn acquire<F: Future>(&self, future: F) -> Acquire<F> {
        Acquire { resource: self.clone(), future: Box::pin(future), requested: false, granted: false }
    }

    /// Marks a grant to the running task by hand (for protocols `acquire` cannot wrap); pair it
    /// with [`release`](Resource::release).
    ///
    /// ```
    /// let res = weft_traces::foreign::Resource::new("r", 1, true);
    /// res.request();
    /// res.grant();
    /// res.release();
    /// ```
    pub fn grant(&self) {
        self.registration.record(|| Op::Grant);
    }

    /// Marks a request by the running task by hand.
    ///
    /// ```
    /// weft_traces::foreign::Resource::new("r", 1, true).request();
    /// ```
    pub fn request(&self) {
        self.registration.record(|| Op::Request);
    }

    /// Marks a withdrawn request by hand.
    ///
    /// ```
    /// let res = weft_traces::foreign::Resource::new("r", 1, true);
    /// res.request();
    /// res.abandon();
    /// ```
    pub fn abandon(&self) {
        self.registration.record(|| Op::Abandon);
    }

    /// Marks that the resource woke `waiter` to hand it a unit (for your own primitive, whose
    /// hand-offs you can name): a waiter that is woken and then withdraws must pass the unit
    /// on, and the accounting checker then says so by name when it does not.
    ///
    /// ```
    /// use weft_traces::TaskId;
    /// weft_traces::foreign::Resource::new("r", 1, true).wake(TaskId(1));
    /// ```
    pub fn wake(&self, waiter: TaskId) {
        self.registration.record(|| Op::Wake { waiter });
    }

    /// Marks a release by hand (a [`Held`] guard does this when dropped).
    ///
    /// ```
    /// weft_traces::foreign::Resource::new("r", 1, true).release();
    /// ```
    pub fn release(&self) {
        self.registration.record(|| Op::Release);
    }
}

/// The future of [`Resource::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<F: Future> {
    resource: Resource,
    future: Pin<Box<F>>,
    requested: bool,
    granted: bool,
}

impl<F: Future> fmt::Debug for Acquire<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("resource", &self.resource)
            .field("requested", &self.requested)
            .field("granted", &self.granted)
            .finish()
    }
}

impl<F: Future> Future for Acquire<F> {
    type Output = Held<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Held<F::Output>> {
        let this = &mut *self;
        if !this.requested {
            this.requested = true;
            this.resource.request();
        }
        match this.future.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(inner) => {
                this.granted = true;
                this.resource.grant();
                Poll::Ready(Held { resource: this.resource.clone(), inner: Some(inner) })
            }
        }
    }
}

impl<F: Future> Drop for Acquire<F> {
    /// Dropped after its request and before its grant: the request is withdrawn.
    fn drop(&mut self) {
        if self.requested && !self.granted {
            self.resource.abandon();
        }
    }
}

/// A granted unit of a foreign [`Resource`], around the primitive's own guard: dereferences to
/// it, and records `Release` (then drops it) when dropped.
///
/// ```
/// # futures::executor::block_on(async {
/// let mutex = futures::lock::Mutex::new(vec![1]);
/// let res = weft_traces::foreign::Resource::new("v", 1, false);
/// let mut held = res.acquire(mutex.lock()).await;
/// held.push(2); // auto-deref through `Held` and the mutex guard
/// assert_eq!(held.len(), 2);
/// # });
/// ```
pub struct Held<G> {
    resource: Resource,
    inner: Option<G>,
}

impl<G: fmt::Debug> fmt::Debug for Held<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Held").field("resource", &self.resource).field("inner", &self.inner).finish()
    }
}

impl<G> Held<G> {
    /// The resource held.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let res = weft_traces::foreign::Resource::new("r", 1, true);
    /// let held = res.acquire(async { () }).await;
    /// assert_eq!(held.resource(), &res);
    /// # });
    /// ```
    pub fn resource(&self) -> &Resource {
        &self.resource
    }
}

impl<G> Deref for Held<G> {
    type Target = G;

    fn deref(&self) -> &G {
        self.inner.as_ref().expect("the guard is present until drop")
    }
}

impl<G> DerefMut for Held<G> {
    fn deref_mut(&mut self) -> &mut G {
        self.inner.as_mut().expect("the guard is present until drop")
    }
}

impl<G> Drop for Held<G> {
    /// Records `Release`, then drops the primitive's guard (which releases it and wakes its next
    /// waiter).
    fn drop(&mut self) {
        self.resource.release();
        drop(self.inner.take());
    }
}
