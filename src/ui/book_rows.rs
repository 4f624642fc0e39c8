//! The books the screen lists (the shelf, the chosen books, the holds), as
//! one Slint model each that lives as long as the window. Rows are kept
//! without their covers; a cover is decoded when the list asks for the row,
//! which a `ListView` does for the rows it shows only. A new view that
//! changes one row (a book chosen) tells the list about that row alone, so
//! the list neither rebuilds nor jumps; a different list resets it.

use super::covers::{CoverSize, Covers};
use super::generated::Book;
use slint::{Model, ModelNotify, ModelTracker};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// One listed book: its row without the cover, and where the cover is.
#[derive(Debug, Clone, PartialEq)]
pub struct BookRow {
    pub book: Book,
    pub cover_url: Option<String>,
}

pub struct BookRows {
    rows: RefCell<Vec<BookRow>>,
    covers: Rc<Covers>,
    size: Cell<CoverSize>,
    notify: ModelNotify,
}

impl BookRows {
    pub fn new(covers: Rc<Covers>, size: CoverSize) -> Rc<Self> {
        Rc::new(Self { rows: RefCell::new(Vec::new()), covers, size: Cell::new(size), notify: ModelNotify::default() })
    }

    /// Draw the covers at `size` from now on (the easy view's are larger):
    /// every row is fetched again, its cover decoded at the new size.
    pub fn set_cover_size(&self, size: CoverSize) {
        if self.size.replace(size) != size {
            self.notify.reset();
        }
    }

    /// Show `rows`: nothing happens when they are the rows shown already.
    pub fn set(&self, rows: Vec<BookRow>) {
        let mut current = self.rows.borrow_mut();
        if current.len() != rows.len() {
            *current = rows;
            drop(current);
            self.notify.reset();
            return;
        }
        let changed: Vec<usize> = (0..rows.len()).filter(|&i| current[i] != rows[i]).collect();
        *current = rows;
        drop(current);
        for row in changed {
            self.notify.row_changed(row);
        }
    }

    /// The book of a row with its cover (for the detail screen).
    pub fn with_cover(covers: &Covers, row: &BookRow, size: CoverSize) -> Book {
        let mut book = row.book.clone();
        if let Some(image) = row.cover_url.as_deref().and_then(|url| covers.get(url, size)) {
            book.cover = image;
            book.has_cover = true;
        }
        book
    }
}

impl Model for BookRows {
    type Data = Book;

    fn row_count(&self) -> usize {
        self.rows.borrow().len()
    }

    fn row_data(&self, row: usize) -> Option<Book> {
        let rows = self.rows.borrow();
        Some(Self::with_cover(&self.covers, rows.get(row)?, self.size.get()))
    }

    fn model_tracker(&self) -> &dyn ModelTracker {
        &self.notify
    }
}
