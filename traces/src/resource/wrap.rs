//! [`Resource::acquire`]: a primitive whose code cannot be marked (tokio's `Mutex` and
//! `Semaphore`, `futures::lock::Mutex`, async-lock's) is described by wrapping its acquire
//! future. It wraps any future, like the primitives it describes, so it works under tokio or
//! `futures::executor` too, where it records nothing.
//!
//! ```
//! use weft_traces::resource::Resource;
//! # futures::executor::block_on(async {
//! let mutex = futures::lock::Mutex::new(0);
//! let res = Resource::foreign("counter", 1, false);
//! {
//!     let mut held = res.acquire(mutex.lock()).await; // Request, Grant
//!     **held += 1;                                     // the inner guard, through `Held`
//! }                                                    // Release
//! assert_eq!(*mutex.lock().await, 1);
//! # });
//! ```

use super::Resource;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future of [`Resource::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a, F: Future> {
    resource: &'a Resource,
    future: Pin<Box<F>>,
    requested: bool,
    granted: bool,
}

impl<'a, F: Future> Acquire<'a, F> {
    pub(super) fn new(resource: &'a Resource, future: F) -> Acquire<'a, F> {
        Acquire { resource, future: Box::pin(future), requested: false, granted: false }
    }
}

impl<F: Future> fmt::Debug for Acquire<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("resource", &self.resource)
            .field("requested", &self.requested)
            .field("granted", &self.granted)
            .finish()
    }
}

impl<'a, F: Future> Future for Acquire<'a, F> {
    type Output = Held<'a, F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Held<'a, F::Output>> {
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
                Poll::Ready(Held { resource: this.resource, inner: Some(inner) })
            }
        }
    }
}

impl<F: Future> Drop for Acquire<'_, F> {
    /// Dropped after its request and before its grant: the request is withdrawn.
    fn drop(&mut self) {
        if self.requested && !self.granted {
            self.resource.abandon();
        }
    }
}

/// A granted unit of a [`Resource`], around the primitive's own guard: dereferences to it, and
/// records `Release` (then drops it) when dropped.
///
/// ```
/// # futures::executor::block_on(async {
/// let mutex = futures::lock::Mutex::new(vec![1]);
/// let res = weft_traces::resource::Resource::foreign("v", 1, false);
/// let mut held = res.acquire(mutex.lock()).await;
/// held.push(2); // auto-deref through `Held` and the mutex guard
/// assert_eq!(held.len(), 2);
/// # });
/// ```
pub struct Held<'a, G> {
    resource: &'a Resource,
    inner: Option<G>,
}

impl<G: fmt::Debug> fmt::Debug for Held<'_, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Held").field("resource", &self.resource).field("inner", &self.inner).finish()
    }
}

impl<'a, G> Held<'a, G> {
    /// The resource held.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let res = weft_traces::resource::Resource::foreign("r", 1, true);
    /// let held = res.acquire(async {}).await;
    /// assert!(std::ptr::eq(held.resource(), &res));
    /// # });
    /// ```
    pub fn resource(&self) -> &'a Resource {
        self.resource
    }
}

impl<G> Deref for Held<'_, G> {
    type Target = G;

    fn deref(&self) -> &G {
        self.inner.as_ref().expect("the guard is present until drop")
    }
}

impl<G> DerefMut for Held<'_, G> {
    fn deref_mut(&mut self) -> &mut G {
        self.inner.as_mut().expect("the guard is present until drop")
    }
}

impl<G> Drop for Held<'_, G> {
    /// Records `Release`, then drops the primitive's guard (which releases it and wakes its next
    /// waiter).
    fn drop(&mut self) {
        self.resource.release();
        drop(self.inner.take());
    }
}
