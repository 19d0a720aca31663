//! Any bytes on the server's stdin: framing resynchronises and ends, and
//! every body is classified (request, notification, response or an error
//! to answer) without a panic.
#![no_main]
use durable_lsp::lsp::transport::{parse, Frame, FrameReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut reader = FrameReader::new(data);
        // every frame consumes input, so this ends
        for _ in 0..=data.len() + 1 {
            match reader.next().await {
                Frame::Body(b) => {
                    let _ = parse(&b);
                }
                Frame::Skipped(_) => {}
                Frame::End => return,
            }
        }
        panic!("the reader did not reach the end of its input");
    });
});
