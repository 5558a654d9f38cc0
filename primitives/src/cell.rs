//! Tracked cells: `std`'s [`Cell`](std::cell::Cell) and [`RefCell`](std::cell::RefCell),
//! with the same methods and the same behaviour, that tell the running simulation each time a
//! task reads or writes them.
//!
//! # Why
//!
//! weft sees what the primitives do, but a program's own shared state (the tutorial's global
//! `X`, a counter behind an `Rc`) is invisible to it in a `std` cell. In a tracked cell it is
//! not: under weft every access is recorded in the trace (`Cell 'X': read`, with its step and
//! task), the partial-order reduction knows which steps touch the same state (two steps that
//! only read a cell commute; a write orders them), and the atomicity checker can tell a lost
//! update (`docs/search.md`).
//!
//! # What is recorded
//!
//! | method | access |
//! |---|---|
//! | `Cell::get`, `RefCell::borrow`, `try_borrow`, `Debug`, `Clone` | read |
//! | `Cell::set`, `replace`, `take`, `swap`, `update`; `RefCell::borrow_mut`, `try_borrow_mut`, `replace`, `replace_with`, `take`, `swap` | write |
//! | `get_mut`, `into_inner` (the caller owns the cell: nobody else can see it) | nothing |
//!
//! A `borrow_mut` counts as one write when it is taken, however long the guard lives: a guard
//! held across an `.await` is one write in the step that took it.
//!
//! # Outside a run
//!
//! Outside a simulation a tracked cell is a `std` cell plus a name: each access costs one
//! thread-local read, and nothing is allocated for the name of a cell made with `new` (it is
//! the place in the source where the cell was made, formatted only when a run registers it).
//!
//! ```
//! use weft_primitives::cell::{Cell, RefCell};
//! let x = Cell::named("X", 3);
//! x.set(x.get() * 3);
//! assert_eq!(x.get(), 9);
//! let log = RefCell::new(Vec::new());
//! log.borrow_mut().push("raised");
//! assert_eq!(log.borrow().len(), 1);
//! ```

use std::fmt;
use std::panic::Location;
use weft_traces::resource::Resource;
use weft_traces::Op;

/// What a tracked cell is called in traces and reports.
enum Name {
    /// Given with `named`.
    Given(Box<str>),
    /// Where `new` was called.
    Caller(&'static Location<'static>),
}

/// A cell's identity in the running simulation: a [`Resource`] of kind `Cell` (registered with
/// the run it is used in, as every primitive's is), and where the cell was made if it has no
/// name of its own, for a clone.
struct Tag {
    resource: Resource,
    at: Option<&'static Location<'static>>,
}

impl Tag {
    fn new(name: Name) -> Tag {
        match name {
            Name::Given(name) => Tag { resource: Resource::cell(&name), at: None },
            Name::Caller(at) => Tag { resource: Resource::cell_at(at), at: Some(at) },
        }
    }

    #[inline]
    fn read(&self) {
        self.resource.record(|| Op::Read);
    }

    #[inline]
    fn write(&self) {
        self.resource.record(|| Op::Write);
    }

    /// The same name, for a clone.
    fn again(&self) -> Tag {
        Tag::new(match self.at {
            Some(at) => Name::Caller(at),
            None => Name::Given(self.resource.name().into()),
        })
    }
}

/// A tracked [`std::cell::Cell`]: a value that tasks share, replaced whole, whose every `get`
/// and `set` the running simulation records.
///
/// ```
/// use weft_primitives::cell::Cell;
/// use weft_sim::{spawn, yield_now, Runtime};
/// use std::rc::Rc;
/// let run = Runtime::new().run(async {
///     let x = Rc::new(Cell::named("X", 0));
///     let x2 = x.clone();
///     spawn("inc", async move { x2.set(x2.get() + 1) }).await.unwrap();
///     x.get()
/// });
/// assert_eq!(run.output, Some(1));
/// let text = run.trace.to_text();
/// assert!(text.contains("Cell 'X': read") && text.contains("Cell 'X': write"), "{text}");
/// ```
pub struct Cell<T> {
    value: std::cell::Cell<T>,
    tag: Tag,
}

impl<T> Cell<T> {
    /// A cell holding `value`, named in traces after the place it is made (`src/main.rs:4:13`).
    ///
    /// ```
    /// let c = weft_primitives::cell::Cell::new(5);
    /// assert_eq!(c.get(), 5);
    /// ```
    #[track_caller]
    pub fn new(value: T) -> Cell<T> {
        Cell { value: std::cell::Cell::new(value), tag: Tag::new(Name::Caller(Location::caller())) }
    }

    /// A cell holding `value`, named `name` in traces and reports.
    ///
    /// ```
    /// let x = weft_primitives::cell::Cell::named("X", 3u64);
    /// assert_eq!(x.get(), 3);
    /// ```
    pub fn named(name: &str, value: T) -> Cell<T> {
        Cell { value: std::cell::Cell::new(value), tag: Tag::new(Name::Given(name.into())) }
    }

    /// Sets the value (a write).
    ///
    /// ```
    /// let c = weft_primitives::cell::Cell::new(1);
    /// c.set(2);
    /// assert_eq!(c.get(), 2);
    /// ```
    pub fn set(&self, value: T) {
        self.tag.write();
        self.value.set(value);
    }

    /// Replaces the value, returning the old one (a write).
    ///
    /// ```
    /// let c = weft_primitives::cell::Cell::new(1);
    /// assert_eq!(c.replace(2), 1);
    /// ```
    pub fn replace(&self, value: T) -> T {
        self.tag.write();
        self.value.replace(value)
    }

    /// Swaps the values of two cells (a write of each).
    ///
    /// ```
    /// use weft_primitives::cell::Cell;
    /// let (a, b) = (Cell::new(1), Cell::new(2));
    /// a.swap(&b);
    /// assert_eq!((a.get(), b.get()), (2, 1));
    /// ```
    pub fn swap(&self, other: &Cell<T>) {
        self.tag.write();
        other.tag.write();
        self.value.swap(&other.value);
    }

    /// A mutable reference to the value: the caller has the cell to itself, so nothing is
    /// recorded.
    ///
    /// ```
    /// let mut c = weft_primitives::cell::Cell::new(1);
    /// *c.get_mut() += 1;
    /// assert_eq!(c.get(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The value, consuming the cell (nothing is recorded).
    ///
    /// ```
    /// assert_eq!(weft_primitives::cell::Cell::new(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: Copy> Cell<T> {
    /// A copy of the value (a read).
    ///
    /// ```
    /// assert_eq!(weft_primitives::cell::Cell::new(3).get(), 3);
    /// ```
    pub fn get(&self) -> T {
        self.tag.read();
        self.value.get()
    }

    /// Replaces the value with `f` of it, in one step (a write, which reads what it replaces):
    /// returns the new value.
    ///
    /// ```
    /// let c = weft_primitives::cell::Cell::new(3);
    /// assert_eq!(c.update(|x| x * 3), 9);
    /// ```
    pub fn update(&self, f: impl FnOnce(T) -> T) -> T {
        self.tag.write();
        let new = f(self.value.get());
        self.value.set(new);
        new
    }
}

impl<T: Default> Cell<T> {
    /// Takes the value, leaving the default (a write).
    ///
    /// ```
    /// let c = weft_primitives::cell::Cell::new(Some(1));
    /// assert_eq!(c.take(), Some(1));
    /// assert_eq!(c.into_inner(), None);
    /// ```
    pub fn take(&self) -> T {
        self.tag.write();
        self.value.take()
    }
}

impl<T: Default> Default for Cell<T> {
    #[track_caller]
    fn default() -> Cell<T> {
        Cell::new(T::default())
    }
}

impl<T: Copy> Clone for Cell<T> {
    /// A new cell with a copy of the value (a read of this one), under the same name.
    fn clone(&self) -> Cell<T> {
        Cell { value: std::cell::Cell::new(self.get()), tag: self.tag.again() }
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for Cell<T> {
    /// As `std`'s: `Cell { value: 3 }` (a read).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cell").field("value", &self.get()).finish()
    }
}

/// A tracked [`std::cell::RefCell`]: shared state borrowed in place, whose every `borrow`
/// (a read) and `borrow_mut` (a write) the running simulation records. Borrows follow `std`'s
/// rules and return `std`'s guards: a second `borrow_mut` while one is held panics, as it does
/// without weft.
///
/// ```
/// use weft_primitives::cell::RefCell;
/// let items = RefCell::named("items", vec![1, 2]);
/// items.borrow_mut().push(3);
/// assert_eq!(*items.borrow(), [1, 2, 3]);
/// ```
pub struct RefCell<T> {
    value: std::cell::RefCell<T>,
    tag: Tag,
}

impl<T> RefCell<T> {
    /// A cell holding `value`, named in traces after the place it is made.
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(String::from("a"));
    /// c.borrow_mut().push('b');
    /// assert_eq!(*c.borrow(), "ab");
    /// ```
    #[track_caller]
    pub fn new(value: T) -> RefCell<T> {
        RefCell { value: std::cell::RefCell::new(value), tag: Tag::new(Name::Caller(Location::caller())) }
    }

    /// A cell holding `value`, named `name` in traces and reports.
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::named("set", Vec::<u64>::new());
    /// assert!(c.borrow().is_empty());
    /// ```
    pub fn named(name: &str, value: T) -> RefCell<T> {
        RefCell { value: std::cell::RefCell::new(value), tag: Tag::new(Name::Given(name.into())) }
    }

    /// Borrows the value to read it (a read). Panics if it is mutably borrowed, as `std`'s.
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(1);
    /// assert_eq!(*c.borrow(), 1);
    /// ```
    #[track_caller]
    pub fn borrow(&self) -> std::cell::Ref<'_, T> {
        self.tag.read();
        self.value.borrow()
    }

    /// Borrows the value to read it, or fails if it is mutably borrowed (a read).
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(1);
    /// let held = c.borrow_mut();
    /// assert!(c.try_borrow().is_err());
    /// # drop(held);
    /// ```
    pub fn try_borrow(&self) -> Result<std::cell::Ref<'_, T>, std::cell::BorrowError> {
        self.tag.read();
        self.value.try_borrow()
    }

    /// Borrows the value to change it (a write). Panics if it is borrowed, as `std`'s.
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(1);
    /// *c.borrow_mut() += 1;
    /// assert_eq!(*c.borrow(), 2);
    /// ```
    #[track_caller]
    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, T> {
        self.tag.write();
        self.value.borrow_mut()
    }

    /// Borrows the value to change it, or fails if it is borrowed (a write).
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(1);
    /// let held = c.borrow();
    /// assert!(c.try_borrow_mut().is_err());
    /// # drop(held);
    /// ```
    pub fn try_borrow_mut(&self) -> Result<std::cell::RefMut<'_, T>, std::cell::BorrowMutError> {
        self.tag.write();
        self.value.try_borrow_mut()
    }

    /// Replaces the value, returning the old one (a write).
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(1);
    /// assert_eq!(c.replace(2), 1);
    /// ```
    #[track_caller]
    pub fn replace(&self, value: T) -> T {
        self.tag.write();
        self.value.replace(value)
    }

    /// Replaces the value with `f` of it, returning the old one (a write).
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(3);
    /// assert_eq!(c.replace_with(|x| *x * 3), 3);
    /// assert_eq!(*c.borrow(), 9);
    /// ```
    #[track_caller]
    pub fn replace_with(&self, f: impl FnOnce(&mut T) -> T) -> T {
        self.tag.write();
        self.value.replace_with(f)
    }

    /// Swaps the values of two cells (a write of each).
    ///
    /// ```
    /// use weft_primitives::cell::RefCell;
    /// let (a, b) = (RefCell::new(1), RefCell::new(2));
    /// a.swap(&b);
    /// assert_eq!((*a.borrow(), *b.borrow()), (2, 1));
    /// ```
    pub fn swap(&self, other: &RefCell<T>) {
        self.tag.write();
        other.tag.write();
        self.value.swap(&other.value);
    }

    /// A mutable reference to the value: the caller has the cell to itself, so nothing is
    /// recorded.
    ///
    /// ```
    /// let mut c = weft_primitives::cell::RefCell::new(1);
    /// *c.get_mut() = 5;
    /// assert_eq!(*c.borrow(), 5);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The value, consuming the cell (nothing is recorded).
    ///
    /// ```
    /// assert_eq!(weft_primitives::cell::RefCell::new(vec![1]).into_inner(), [1]);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: Default> RefCell<T> {
    /// Takes the value, leaving the default (a write).
    ///
    /// ```
    /// let c = weft_primitives::cell::RefCell::new(vec![1]);
    /// assert_eq!(c.take(), [1]);
    /// assert!(c.borrow().is_empty());
    /// ```
    pub fn take(&self) -> T {
        self.tag.write();
        self.value.take()
    }
}

impl<T: Default> Default for RefCell<T> {
    #[track_caller]
    fn default() -> RefCell<T> {
        RefCell::new(T::default())
    }
}

impl<T: Clone> Clone for RefCell<T> {
    /// A new cell with a clone of the value (a read of this one), under the same name.
    fn clone(&self) -> RefCell<T> {
        RefCell { value: std::cell::RefCell::new(self.borrow().clone()), tag: self.tag.again() }
    }
}

impl<T: fmt::Debug> fmt::Debug for RefCell<T> {
    /// As `std`'s: `RefCell { value: [1, 2] }`, or `<borrowed>` while mutably borrowed (a read).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tag.read();
        self.value.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_behave_as_std_outside_a_run() {
        let c = Cell::new(1);
        assert_eq!(c.replace(2), 1);
        let d = c.clone();
        d.set(5);
        assert_eq!((c.get(), d.get()), (2, 5));
        assert_eq!(format!("{c:?}"), format!("{:?}", std::cell::Cell::new(2)));
        let r = RefCell::named("r", vec![1]);
        {
            let _held = r.borrow_mut();
            assert!(r.try_borrow().is_err());
            assert_eq!(format!("{r:?}"), "RefCell { value: <borrowed> }");
        }
        assert_eq!(r.take(), [1]);
    }

    #[test]
    fn a_second_mutable_borrow_panics_as_with_std() {
        let r = RefCell::new(0);
        let _held = r.borrow_mut();
        let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _again = r.borrow_mut();
        }));
        assert!(second.is_err());
    }

    #[test]
    fn a_cell_made_with_new_is_named_after_its_place_in_the_source() {
        let c = Cell::new(0);
        let line = line!() - 1;
        assert_eq!(c.tag.resource.name(), format!("{}:{line}:17", file!()));
    }
}
