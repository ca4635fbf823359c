//! Product photos as uploaded from phones: the type sniffed from the bytes (never the file name),
//! the size, pixel count and decoded bytes limited before decoding, turned upright by the EXIF
//! orientation, then re-encoded as JPEG in a few sizes. Re-encoding from pixels keeps no
//! metadata: EXIF with its GPS position, XMP and the camera's serial number are gone.
//!
//! A picture is small on the wire and large in memory: a 477 KB PNG of 59 megapixels at 16
//! bits a channel decodes to 354 MB, and eight of them sent at once took a server from 150 MB
//! to 5 GB (issue 27). So the decoded size is bounded ([`MAX_DECODED_BYTES`]), the picture is
//! shrunk right after decoding, and only [`CONCURRENT_DECODES`] pictures are decoded at a time
//! in the whole process.

use std::io::Cursor;
use std::sync::{Condvar, Mutex, PoisonError};

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

/// Largest upload accepted, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest picture decoded: a 50-megapixel phone camera (decompression bombs stop here).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Most bytes a decoded picture may take: a 50-megapixel phone photo (8-bit RGB) is 150 MB; at
/// 16 bits a channel, or with transparency, fewer pixels fit.
pub const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;
/// Pictures decoded at the same time in the whole server; the others wait their turn.
pub const CONCURRENT_DECODES: usize = 2;
/// The picture is shrunk to fit this side right after decoding, so that turning, flattening
/// and resizing work on a copy a fraction of its size: twice the largest size kept.
const WORKING_SIDE: u32 = 3200;
/// Shortest side accepted: smaller pictures look broken on a product page.
pub const MIN_SIDE: u32 = 200;
/// The sizes kept, by name, as the longest side in pixels (never enlarged).
pub const SIZES: &[(&str, u32)] = &[("sm", 320), ("md", 800), ("lg", 1600)];
const JPEG_QUALITY: u8 = 82;

/// What an upload turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    /// iPhones' default; not decodable here, so named in the message.
    Heic,
}

/// The type, from the first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"heif"
        )
    {
        Some(Kind::Heic)
    } else {
        None
    }
}

/// Why an upload was refused; `code()` is the message key (`photo_*`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("larger than {} MB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("not a JPEG, PNG or WebP picture")]
    NotAPicture,
    #[error("HEIC pictures are not read; send it as JPEG")]
    Heic,
    #[error("the picture could not be read")]
    Unreadable,
    #[error("more than {MAX_PIXELS} pixels")]
    TooManyPixels,
    #[error("more than {MAX_DECODED_BYTES} bytes once decoded")]
    TooManyBytes,
    #[error("smaller than {MIN_SIDE} pixels on a side")]
    TooSmall,
}

impl PhotoError {
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge => "photo_too_large",
            PhotoError::NotAPicture => "photo_type",
            PhotoError::Heic => "photo_heic",
            PhotoError::Unreadable => "photo_unreadable",
            PhotoError::TooManyPixels => "photo_too_many_pixels",
            PhotoError::TooManyBytes => "photo_too_many_bytes",
            PhotoError::TooSmall => "photo_too_small",
        }
    }
}

/// One stored size of a photo.
#[derive(Debug, Clone)]
pub struct Rendition {
    /// `sm`, `md`, `lg`.
    pub size: &'static str,
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// Checks and converts an upload into the stored sizes, smallest first. CPU-bound: run it off
/// the async runtime (`spawn_blocking`).
pub fn process(bytes: &[u8]) -> Result<Vec<Rendition>, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = match sniff(bytes) {
        Some(Kind::Jpeg) => image::ImageFormat::Jpeg,
        Some(Kind::Png) => image::ImageFormat::Png,
        Some(Kind::Webp) => image::ImageFormat::WebP,
        Some(Kind::Heic) => return Err(PhotoError::Heic),
        None => return Err(PhotoError::NotAPicture),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Unreadable)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels);
    }
    // The image crate counts only some of its allocations against `max_alloc`, not the
    // picture it returns: that one is checked here, from the header, before it is made.
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(PhotoError::TooManyBytes);
    }
    if w.min(h) < MIN_SIDE {
        return Err(PhotoError::TooSmall);
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    // Decoding and what follows it take the memory; reading the header above takes little, so
    // a picture that is refused does not wait for its turn.
    let _turn = DecodeTurn::wait();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Unreadable)?;
    if picture.width().max(picture.height()) > WORKING_SIDE {
        // A box filter, cheap in memory: the full-size picture is dropped once it has run.
        picture = picture.thumbnail(WORKING_SIDE, WORKING_SIDE);
    }
    // Phones store the picture sideways and say so in EXIF; the EXIF is not kept, so turn it.
    picture.apply_orientation(orientation);
    let rgb = flatten(picture);
    let mut out = Vec::with_capacity(SIZES.len());
    let mut source = DynamicImage::ImageRgb8(rgb);
    // Largest first, each made from the previous: cheaper than from the original each time.
    for (size, longest) in SIZES.iter().rev() {
        if source.width().max(source.height()) > *longest {
            source = source.resize(*longest, *longest, image::imageops::FilterType::CatmullRom);
        }
        let mut jpeg = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY);
        source
            .write_with_encoder(encoder)
            .map_err(|_| PhotoError::Unreadable)?;
        out.push(Rendition {
            size,
            width: source.width(),
            height: source.height(),
            jpeg,
        });
    }
    out.reverse();
    Ok(out)
}

/// One of the [`CONCURRENT_DECODES`] turns to decode, held until dropped (also when decoding
/// panics). A plain mutex and condition variable: `process` runs on blocking threads.
struct DecodeTurn;

static DECODING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// The most decodes seen running together, for the tests.
#[cfg(test)]
static MOST_AT_ONCE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl DecodeTurn {
    fn wait() -> DecodeTurn {
        let (count, freed) = &DECODING;
        // A panic while the count was held cannot leave it wrong: it is only ever +1 or -1.
        let mut running = count.lock().unwrap_or_else(PoisonError::into_inner);
        while *running >= CONCURRENT_DECODES {
            running = freed.wait(running).unwrap_or_else(PoisonError::into_inner);
        }
        *running += 1;
        #[cfg(test)]
        MOST_AT_ONCE.fetch_max(*running, std::sync::atomic::Ordering::Relaxed);
        DecodeTurn
    }
}

impl Drop for DecodeTurn {
    fn drop(&mut self) {
        let (count, freed) = &DECODING;
        let mut running = count.lock().unwrap_or_else(PoisonError::into_inner);
        *running = running.saturating_sub(1);
        freed.notify_one();
    }
}

/// RGB for JPEG: a transparent PNG is laid on white (a product on a white background), not black.
fn flatten(picture: DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.into_rgb8();
    }
    let rgba = picture.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (to, from) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = from.0;
        let a = u16::from(a);
        let over = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        to.0 = [over(r), over(g), over(b)];
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{black_png, phone_jpeg};

    fn decode(jpeg: &[u8]) -> DynamicImage {
        match image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_phone_photo_is_turned_upright_resized_and_loses_its_exif_and_gps() {
        let upload = phone_jpeg(2000, 1000, 6);
        assert!(upload.windows(4).any(|w| w == b"Exif"));
        let sizes = match process(&upload) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let got: Vec<(&str, u32, u32)> =
            sizes.iter().map(|r| (r.size, r.width, r.height)).collect();
        // Orientation 6: stored 2000×1000, shown 1000×2000; never enlarged, longest side capped.
        assert_eq!(got, [("sm", 160, 320), ("md", 400, 800), ("lg", 800, 1600)]);
        for r in &sizes {
            assert!(
                !r.jpeg.windows(4).any(|w| w == b"Exif"),
                "{} keeps EXIF",
                r.size
            );
            assert_eq!(sniff(&r.jpeg), Some(Kind::Jpeg));
            let shown = decode(&r.jpeg);
            assert_eq!((shown.width(), shown.height()), (r.width, r.height));
        }
        // Turned the right way: the gradient that ran left to right now runs top to bottom.
        let lg = decode(&sizes[2].jpeg).into_rgb8();
        let (top, bottom) = (lg.get_pixel(400, 10).0[0], lg.get_pixel(400, 1590).0[0]);
        assert!(top < 40 && bottom > 215, "top {top}, bottom {bottom}");
    }

    #[test]
    fn small_pictures_are_kept_at_their_size() {
        let sizes = process(&phone_jpeg(300, 250, 1)).unwrap_or_default();
        let got: Vec<(u32, u32)> = sizes.iter().map(|r| (r.width, r.height)).collect();
        assert_eq!(got, [(300, 250), (300, 250), (300, 250)]);
    }

    #[test]
    fn a_transparent_png_is_laid_on_white() {
        let picture = image::RgbaImage::from_pixel(400, 400, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        let written = DynamicImage::ImageRgba8(picture)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png);
        assert!(written.is_ok());
        let sizes = process(&png).unwrap_or_default();
        let px = decode(&sizes[0].jpeg).into_rgb8().get_pixel(10, 10).0;
        assert!(px.iter().all(|c| *c > 245), "{px:?}");
    }

    #[test]
    fn uploads_that_are_not_usable_pictures_are_refused_with_the_reason() {
        assert_eq!(
            process(b"Nama Usaha,NIK\n").err(),
            Some(PhotoError::NotAPicture)
        );
        assert_eq!(
            process(&vec![0xFF; MAX_BYTES + 1]).err(),
            Some(PhotoError::TooLarge)
        );
        let mut heic = vec![0, 0, 0, 24];
        heic.extend(b"ftypheic");
        heic.extend([0; 16]);
        assert_eq!(process(&heic).err(), Some(PhotoError::Heic));
        let whole = phone_jpeg(400, 400, 1);
        assert_eq!(process(&whole[..300]).err(), Some(PhotoError::Unreadable));
        assert_eq!(
            process(&phone_jpeg(150, 600, 1)).err(),
            Some(PhotoError::TooSmall)
        );
    }

    #[test]
    fn pictures_that_decode_too_large_are_refused_before_decoding() {
        // The picture of issue 27: 59 megapixels at 16 bits, 354 MB decoded.
        let bomb = black_png(7680, 7680, true, false);
        assert!(bomb.len() < 3 * 1024 * 1024, "{} bytes", bomb.len());
        let started = std::time::Instant::now();
        assert_eq!(process(&bomb).err(), Some(PhotoError::TooManyPixels));
        // Fewer pixels than a phone camera's, but 8 bytes each: 288 MB.
        let rgba16 = black_png(6000, 6000, true, true);
        assert_eq!(process(&rgba16).err(), Some(PhotoError::TooManyBytes));
        // Refused from the header: decoding 354 MB would take far longer than this generous
        // bound, which leaves room for a loaded two-core test machine (seen at 6,6 s).
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        // The same size at 8 bits is an ordinary picture.
        let sizes = process(&black_png(3000, 2000, false, false)).unwrap_or_default();
        let got: Vec<(u32, u32)> = sizes.iter().map(|r| (r.width, r.height)).collect();
        assert_eq!(got, [(320, 214), (800, 534), (1600, 1067)]);
    }

    #[test]
    fn a_large_16_bit_picture_under_the_limits_is_shrunk_and_kept() {
        // 24 megapixels at 16 bits: 144 MB decoded, shrunk to the working size at once.
        let sizes = process(&black_png(6000, 4000, true, false)).unwrap_or_default();
        let got: Vec<(u32, u32)> = sizes.iter().map(|r| (r.width, r.height)).collect();
        // Shrunk twice (to the working size, then to each size): heights round either way.
        assert_eq!(
            got.iter().map(|s| s.0).collect::<Vec<_>>(),
            [320, 800, 1600]
        );
        for (w, h) in got {
            assert!(h.abs_diff(w * 2 / 3) <= 1, "{w}×{h}");
        }
    }

    #[test]
    fn no_more_than_two_pictures_are_decoded_at_once() {
        let jpeg = phone_jpeg(1500, 1200, 1);
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let jpeg = jpeg.clone();
                std::thread::spawn(move || process(&jpeg).is_ok())
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap_or(false));
        }
        let most = MOST_AT_ONCE.load(std::sync::atomic::Ordering::Relaxed);
        assert!((1..=CONCURRENT_DECODES).contains(&most), "{most}");
    }
}
