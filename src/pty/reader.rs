//! The reader thread: moves a child's output from the PTY master into the pane's input ring.

use crate::ring::{ProduceError, Producer, Tag, SLOT_PAYLOAD};
use std::io::{ErrorKind, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bytes asked for per `read` of the PTY master.
const READ_BUFFER: usize = 16 * 1024;
/// How long one produce attempt waits for room before the reader re-checks whether it
/// should stop; a full ring is waited out in steps of this length, never given up on.
const WAIT_STEP: Duration = Duration::from_millis(50);

/// Most reads a [`ReadLog`] keeps before its reader stops logging them (until some are
/// taken); one entry is 24 bytes.
pub const READ_LOG_CAPACITY: usize = 1 << 16;

/// When one `read` of a child's output returned, and how far into the output it reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRead {
    /// Bytes of output read up to and including this chunk.
    pub end: u64,
    /// When the read returned.
    pub at: Instant,
}

/// The times at which a pane's output was read, oldest first: what latency is measured
/// from. Lock-free between the reader thread and its one reader; when it is full, the
/// reader thread skips logging (those chunks are not sampled) rather than wait.
pub struct ReadLog(rtrb::Consumer<ChunkRead>);

impl ReadLog {
    fn new() -> (rtrb::Producer<ChunkRead>, ReadLog) {
        let (producer, consumer) = rtrb::RingBuffer::new(READ_LOG_CAPACITY);
        (producer, ReadLog(consumer))
    }

    /// Takes, oldest first, every logged read that lies within the first `bytes` bytes
    /// of the output.
    pub fn take_through(&mut self, bytes: u64, mut each: impl FnMut(ChunkRead)) {
        while let Ok(read) = self.0.peek() {
            if read.end > bytes {
                break;
            }
            let read = *read;
            // Just peeked, so there is an entry to pop.
            let _ = self.0.pop();
            each(read);
        }
    }
}

/// Why a pane's output stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputEnd {
    /// The child side closed (EOF, or EIO on Linux): every byte is in the ring.
    Eof,
    /// The ring's consumer was dropped; nobody reads the rest.
    ConsumerGone,
    /// The pane was dropped while its output was still flowing.
    Stopped,
    /// Reading the PTY master failed with something other than the end of the stream.
    ReadFailed(String),
    /// The ring refused a message for a reason other than being full.
    Rejected(ProduceError),
    /// The reader thread panicked.
    Panicked,
}

/// The running reader of one pane and what it shares with the pane.
pub(crate) struct OutputReader {
    handle: Option<JoinHandle<OutputEnd>>,
    end: Option<OutputEnd>,
    stop: Arc<AtomicBool>,
    bytes: Arc<AtomicU64>,
}

impl OutputReader {
    /// Starts a thread that copies `source` into `producer` with messages tagged `tag`;
    /// with `log_reads`, also the log of when each chunk was read.
    pub(crate) fn start(
        source: Box<dyn Read + Send>,
        producer: Producer<'static>,
        tag: Tag,
        name: String,
        log_reads: bool,
    ) -> std::io::Result<(OutputReader, Option<ReadLog>)> {
        let stop = Arc::new(AtomicBool::new(false));
        let bytes = Arc::new(AtomicU64::new(0));
        let (read_log, log) = log_reads.then(ReadLog::new).unzip();
        let pump = Pump {
            source,
            producer,
            tag,
            stop: Arc::clone(&stop),
            bytes: Arc::clone(&bytes),
            read_log,
        };
        let handle = std::thread::Builder::new().name(name).spawn(move || pump.run())?;
        let reader = OutputReader {
            handle: Some(handle),
            end: None,
            stop,
            bytes,
        };
        Ok((reader, log))
    }

    /// Bytes read from the child so far, all of them already in the ring.
    pub(crate) fn bytes_forwarded(&self) -> u64 {
        // Relaxed: a counter; the ring's own ordering covers the bytes themselves.
        self.bytes.load(Ordering::Relaxed)
    }

    /// True once the thread has ended (and with it the stream).
    pub(crate) fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Why the stream ended, waiting up to `timeout` for it to end; `None` on timeout.
    pub(crate) fn wait(&mut self, timeout: Duration) -> Option<OutputEnd> {
        let deadline = Instant::now() + timeout;
        while !self.is_finished() {
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some(handle) = self.handle.take() {
            self.end = Some(handle.join().unwrap_or(OutputEnd::Panicked));
        }
        self.end.clone()
    }

    /// Asks the thread to stop at its next chance (it may be blocked in `read` until the
    /// child side closes).
    pub(crate) fn request_stop(&self) {
        // Relaxed: a standalone flag; nothing else is published through it.
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Pump {
    source: Box<dyn Read + Send>,
    producer: Producer<'static>,
    tag: Tag,
    stop: Arc<AtomicBool>,
    bytes: Arc<AtomicU64>,
    read_log: Option<rtrb::Producer<ChunkRead>>,
}

impl Pump {
    fn run(mut self) -> OutputEnd {
        let mut buffer = vec![0u8; READ_BUFFER];
        // A message may span many slots, but one near the ring's size would wait for the
        // ring to drain completely; a quarter keeps the consumer and this thread overlapping.
        let piece_limit = (self.producer.max_message_len() / 4).clamp(SLOT_PAYLOAD, READ_BUFFER);
        let mut total = 0u64;
        loop {
            let len = match self.source.read(&mut buffer) {
                // portable-pty reports Linux's EIO (the child side closed) as a zero read.
                Ok(0) => return OutputEnd::Eof,
                Ok(len) => len,
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(err) => return OutputEnd::ReadFailed(err.to_string()),
            };
            if !self.producer.is_consumer_connected() {
                return OutputEnd::ConsumerGone;
            }
            total += len as u64;
            if let Some(log) = &mut self.read_log {
                // Logged before the bytes enter the ring, so that whoever shows them finds
                // the entry. A full log skips the chunk: latency is sampled, never waited for.
                let _ = log.push(ChunkRead {
                    end: total,
                    at: Instant::now(),
                });
            }
            for piece in buffer[..len].chunks(piece_limit) {
                if let Err(end) = self.forward(piece) {
                    return end;
                }
            }
        }
    }

    /// Puts `piece` into the ring, waiting as long as the ring stays full.
    fn forward(&mut self, piece: &[u8]) -> Result<(), OutputEnd> {
        // Relaxed: see `request_stop`.
        let stopped = || self.stop.load(Ordering::Relaxed);
        if stopped() {
            return Err(OutputEnd::Stopped);
        }
        match self
            .producer
            .produce_waiting(piece, self.tag, WAIT_STEP, || !stopped())
        {
            Ok(_) => {
                // Relaxed: a counter, see `bytes_forwarded`.
                self.bytes.fetch_add(piece.len() as u64, Ordering::Relaxed);
                Ok(())
            }
            // The wait ends with a timeout only when asked to stop.
            Err(ProduceError::Timeout { .. }) => Err(OutputEnd::Stopped),
            Err(ProduceError::Disconnected) => Err(OutputEnd::ConsumerGone),
            Err(other) => Err(OutputEnd::Rejected(other)),
        }
    }
}
