//! The demo's covers: a plain colour per book, drawn on request, so the
//! demo and the tests need no image files.

/// A cover's name as the seed's `cover_url`s give it: a plain file name
/// (letters, digits, `_`, `-`) ending in `.png`.
pub fn is_plain_png_name(name: &str) -> bool {
    name.strip_suffix(".png").is_some_and(|stem| {
        !stem.is_empty()
            && stem.len() <= 124
            && stem.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    })
}

/// A small solid-colour PNG (8-bit RGB), for the simulator's demo covers.
pub fn placeholder_png(width: u32, height: u32, rgb: [u8; 3]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let pixels = usize::try_from(u64::from(width) * u64::from(height)).unwrap_or(usize::MAX);
    let data: Vec<u8> = std::iter::repeat_n(rgb, pixels).flatten().collect();
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_png_names_are_covers() {
        assert!(is_plain_png_name("MP0001.png"));
        for odd in ["../x.png", ".png", "a b.png", "MP0001.jpg", "a/b.png", "x.png.png"] {
            assert!(!is_plain_png_name(odd), "{odd}");
        }
    }

    #[test]
    fn the_placeholder_is_a_png() {
        let png = placeholder_png(3, 2, [200, 10, 10]).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND's CRC");
        let mut reader = png::Decoder::new(png.as_slice()).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((frame.width, frame.height), (3, 2));
        assert_eq!((frame.color_type, frame.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        assert_eq!(&pixels[..frame.buffer_size()], [200, 10, 10].repeat(6).as_slice());
    }
}
