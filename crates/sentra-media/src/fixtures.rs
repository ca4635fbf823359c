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
