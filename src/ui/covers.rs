//! Cover images for the screen, decoded when a row that shows one is drawn
//! and only at the size it is drawn at. A district's cover may be a
//! 1200×1800 photograph (8 MiB of pixels once decoded); the list shows it at
//! 150×210, so that is what is kept, and only for the last few dozen rows
//! shown. A 500-book shelf costs the same memory as a 40-book one.

use slint::{Image, Rgba8Pixel, SharedPixelBuffer};
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

/// Where a cover is drawn, and so the pixels it is decoded to
/// (`Theme.size.cover-width`/`cover-height`, half as large again in the
/// easy view's list, and twice that on the detail screen; the panel's scale
/// factor is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverSize {
    List,
    EasyList,
    Detail,
}

impl CoverSize {
    pub const fn pixels(self) -> (u32, u32) {
        match self {
            Self::List => (150, 210),
            Self::EasyList => (225, 315),
            Self::Detail => (300, 420),
        }
    }

    /// How many decoded covers of this size are kept: about two screens of
    /// the list, and the detail screen's one and the one before.
    const fn kept(self) -> usize {
        match self {
            Self::List => 32,
            Self::EasyList => 24,
            Self::Detail => 2,
        }
    }
}

/// The largest picture decoded at all, so one bad file cannot take the
/// kiosk's memory (a cover file is at most 2 MiB, but a PNG of that size
/// can claim 30,000 × 30,000 pixels).
const MAX_SIDE: u32 = 4096;
const MAX_DECODE_BYTES: u64 = 80 * 1024 * 1024;

/// The covers directory and the decoded covers lately shown.
pub struct Covers {
    dir: Option<PathBuf>,
    /// Most recently used last; `None` when the file is missing or unreadable.
    kept: RefCell<Vec<(String, CoverSize, Option<Image>)>>,
    decoded: Cell<u64>,
}

impl Covers {
    /// Covers from `dir` (none at all without one: placeholder art).
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir, kept: RefCell::new(Vec::new()), decoded: Cell::new(0) }
    }

    /// The cover at `url` (its file in the covers directory) at `size`.
    pub fn get(&self, url: &str, size: CoverSize) -> Option<Image> {
        let dir = self.dir.as_ref()?;
        let name = crate::district::covers::file_name(url)?;
        let mut kept = self.kept.borrow_mut();
        if let Some(at) = kept.iter().position(|(n, s, _)| *n == name && *s == size) {
            let entry = kept.remove(at);
            let image = entry.2.clone();
            kept.push(entry);
            return image;
        }
        self.decoded.set(self.decoded.get() + 1);
        let image = match decode(&dir.join(&name), size.pixels()) {
            Ok(pixels) => Some(Image::from_rgba8(pixels)),
            Err(e) => {
                tracing::debug!(cover = %name, error = %e, "cover not shown");
                None
            }
        };
        let same_size = kept.iter().filter(|(_, s, _)| *s == size).count();
        if same_size >= size.kept()
            && let Some(oldest) = kept.iter().position(|(_, s, _)| *s == size)
        {
            kept.remove(oldest);
        }
        kept.push((name, size, image.clone()));
        image
    }

    /// Covers decoded so far (each file read and scaled once while kept).
    pub fn decoded(&self) -> u64 {
        self.decoded.get()
    }

    /// Decoded covers kept now, with their sizes in pixels.
    pub fn kept(&self) -> Vec<(u32, u32)> {
        self.kept
            .borrow()
            .iter()
            .filter_map(|(_, _, i)| i.as_ref())
            .map(|i| (i.size().width, i.size().height))
            .collect()
    }
}

/// Read `path`, scale and crop it to fill `width`×`height` exactly (the
/// screen draws covers with `image-fit: cover`).
pub fn decode(path: &Path, (width, height): (u32, u32)) -> Result<SharedPixelBuffer<Rgba8Pixel>, image::ImageError> {
    let mut reader = image::ImageReader::open(path)?.with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let fitted = reader.decode()?.resize_to_fill(width, height, image::imageops::FilterType::Triangle).into_rgba8();
    Ok(SharedPixelBuffer::clone_from_slice(fitted.as_raw(), fitted.width(), fitted.height()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_cover(dir: &Path, name: &str, width: u32, height: u32) {
        let png = bookstation_district_sim::covers::placeholder_png(width, height, [200, 40, 40]).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }

    #[test]
    fn a_large_cover_is_kept_at_the_size_it_is_drawn() {
        let dir = tempfile::tempdir().unwrap();
        write_cover(dir.path(), "big.png", 1200, 1800);
        let covers = Covers::new(Some(dir.path().to_owned()));
        let list = covers.get("covers/big.png", CoverSize::List).unwrap();
        assert_eq!((list.size().width, list.size().height), CoverSize::List.pixels());
        let detail = covers.get("covers/big.png", CoverSize::Detail).unwrap();
        assert_eq!((detail.size().width, detail.size().height), CoverSize::Detail.pixels());
        assert_eq!(covers.decoded(), 2);
        let _ = covers.get("covers/big.png", CoverSize::List).unwrap();
        assert_eq!(covers.decoded(), 2, "a cover shown again is not decoded again");
    }

    #[test]
    fn only_the_covers_lately_shown_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..100 {
            write_cover(dir.path(), &format!("c{n}.png"), 60, 90);
        }
        let covers = Covers::new(Some(dir.path().to_owned()));
        for n in 0..100 {
            assert!(covers.get(&format!("covers/c{n}.png"), CoverSize::List).is_some());
        }
        assert_eq!(covers.kept().len(), CoverSize::List.kept());
        assert!(covers.kept().iter().all(|&size| size == CoverSize::List.pixels()));
        assert_eq!(covers.decoded(), 100);
        let _ = covers.get("covers/c99.png", CoverSize::List);
        assert_eq!(covers.decoded(), 100, "the last one shown is still kept");
        let _ = covers.get("covers/c0.png", CoverSize::List);
        assert_eq!(covers.decoded(), 101, "the first one was let go");
    }

    #[test]
    fn a_missing_damaged_or_enormous_cover_is_no_cover() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("junk.png"), b"not a picture").unwrap();
        write_cover(dir.path(), "huge.png", MAX_SIDE + 1, 2);
        let covers = Covers::new(Some(dir.path().to_owned()));
        assert!(covers.get("covers/junk.png", CoverSize::List).is_none());
        assert!(covers.get("covers/huge.png", CoverSize::List).is_none());
        assert!(covers.get("covers/none.png", CoverSize::List).is_none());
        assert!(covers.get("../../etc/passwd", CoverSize::List).is_none());
        assert!(Covers::new(None).get("covers/junk.png", CoverSize::List).is_none());
    }
}
