//! Pictures as phones send them, for tests (feature `fixtures`): a JPEG carrying EXIF with an
//! orientation and a GPS position.

use std::io::Cursor;

/// A `width`×`height` JPEG (a left-to-right gradient) whose EXIF says `orientation` (6: the
/// camera was turned, show it rotated 90° clockwise) and holds a GPS position in Kupang.
pub fn phone_jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, _| {
        let v = (x * 255 / width.max(1)) as u8;
        image::Rgb([v, 128, 255 - v])
    });
    let mut plain = Vec::new();
    let encoded = image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Jpeg);
    assert!(encoded.is_ok(), "{encoded:?}");
    // EXIF (big-endian TIFF): IFD0 with Orientation and a pointer to a GPS IFD holding
    // GPSLatitudeRef = "S" and GPSLongitudeRef = "E".
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| -> Vec<u8> {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend(kind.to_be_bytes());
        e.extend(count.to_be_bytes());
        e.extend(value);
        e
    };
    let gps_at: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend(2u16.to_be_bytes());
    let o = orientation.to_be_bytes();
    tiff.extend(entry(0x0112, 3, 1, [o[0], o[1], 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, gps_at.to_be_bytes()));
    tiff.extend(0u32.to_be_bytes());
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"S\0\0\0"));
    tiff.extend(entry(0x0003, 2, 2, *b"E\0\0\0"));
    tiff.extend(0u32.to_be_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

/// A `width`×`height` JPEG with grain like a real photo's, at least `at_least` bytes when the
/// size allows (the grain is raised until it is): a camera picture the size of what a phone's
/// app sends after shrinking, where a smooth gradient would compress to almost nothing.
pub fn busy_jpeg(width: u32, height: u32, at_least: usize) -> Vec<u8> {
    let encode = |grain: u32| {
        // xorshift: the same grain every run, no random-number crate.
        let mut state: u32 = 0x9E37_79B9;
        let picture = image::RgbImage::from_fn(width, height, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state % (2 * grain + 1)) as i32 - grain as i32;
            let base = ((x + y) * 255 / (width + height).max(1)) as i32;
            let v = |b: i32| (b + noise).clamp(0, 255) as u8;
            image::Rgb([v(base), v(128), v(255 - base)])
        });
        let mut out = Vec::new();
        let encoded = image::DynamicImage::ImageRgb8(picture)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg);
        assert!(encoded.is_ok(), "{encoded:?}");
        out
    };
    // The least grain that reaches the size: the file lands just above it.
    let (mut lo, mut hi) = (0u32, 128u32);
    let mut best = encode(hi);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let jpeg = encode(mid);
        if jpeg.len() >= at_least {
            hi = mid;
            best = jpeg;
        } else {
            lo = mid + 1;
        }
    }
    best
}

/// A black PNG of `width`×`height` at 8 or 16 bits a channel, RGB or RGBA, written directly
/// (no encoder): every row unfiltered and every byte zero, deflated as one literal and then
/// repeats of 258 bytes, 13 bits each. A 59-megapixel 16-bit picture, 354 MB once decoded,
/// is about 2 MB here, made in milliseconds: a decompression bomb as an attacker sends it.
pub fn black_png(width: u32, height: u32, sixteen_bit: bool, alpha: bool) -> Vec<u8> {
    let channels: u64 = if alpha { 4 } else { 3 };
    let depth: u64 = if sixteen_bit { 2 } else { 1 };
    let raw = u64::from(height) * (1 + u64::from(width) * channels * depth);
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([
        if sixteen_bit { 16 } else { 8 },
        if alpha { 6 } else { 2 },
        0,
        0,
        0,
    ]);
    let mut zlib = vec![0x78, 0x01];
    zlib.extend(zero_deflate(raw));
    // Adler-32 of zeros: the low sum stays 1, the high one grows by 1 a byte.
    let adler = ((raw % 65_521) << 16) as u32 | 1;
    zlib.extend(adler.to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(&b"IHDR"[..], ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend((data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend(&data);
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

/// `len` zero bytes as one fixed-Huffman deflate block.
fn zero_deflate(len: u64) -> Vec<u8> {
    let mut w = Bits::default();
    w.plain(1, 1); // last block
    w.plain(1, 2); // fixed codes
    if len > 0 {
        w.code(0x30, 8); // literal 0
        let rest = len - 1;
        for _ in 0..rest / 258 {
            w.code(0xC5, 8); // length 258
            w.code(0, 5); // distance 1
        }
        for _ in 0..rest % 258 {
            w.code(0x30, 8);
        }
    }
    w.code(0, 7); // end of block
    w.finish()
}

/// Deflate's bit order: values from their lowest bit, Huffman codes from their highest.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u8,
    used: u32,
}

impl Bits {
    fn bit(&mut self, bit: u64) {
        self.acc |= ((bit & 1) as u8) << self.used;
        self.used += 1;
        if self.used == 8 {
            self.out.push(self.acc);
            (self.acc, self.used) = (0, 0);
        }
    }

    fn plain(&mut self, value: u64, count: u32) {
        for i in 0..count {
            self.bit(value >> i);
        }
    }

    fn code(&mut self, value: u64, count: u32) {
        for i in (0..count).rev() {
            self.bit(value >> i);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.out.push(self.acc);
        }
        self.out
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
