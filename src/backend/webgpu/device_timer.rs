//! Device time per phase of a submission from timestamp queries, where the adapter offers
//! them (WebGPU's optional `timestamp-query`, written at compute pass boundaries only).

use super::WgpuError;
use std::time::Duration;

/// The phases timed: block functions and their scan, record sizes and their scan, records.
pub(super) const PHASES: u32 = 3;

/// Device time of each phase, summed over submissions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DeviceTimings {
    /// Block transition functions and their multi-level scan.
    pub functions: Duration,
    /// Per-block record sizes (a table walk) and their multi-level scan.
    pub counts: Duration,
    /// The second table walk, writing the records.
    pub records: Duration,
}

impl DeviceTimings {
    /// Adds `other` to these timings.
    pub fn add(&mut self, other: &DeviceTimings) {
        self.functions += other.functions;
        self.counts += other.counts;
        self.records += other.records;
    }
}

/// A query set and the buffers its timestamps come back through.
pub(super) struct DeviceTimer {
    query_set: wgpu::QuerySet,
    resolved: wgpu::Buffer,
    readback: wgpu::Buffer,
    period_ns: f64,
}

const BYTES: u64 = 8 * 2 * PHASES as u64;

impl DeviceTimer {
    pub fn new(device: &wgpu::Device, period_ns: f32) -> DeviceTimer {
        let buffer = |label, usage| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: BYTES,
                usage,
                mapped_at_creation: false,
            })
        };
        DeviceTimer {
            query_set: device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("phase timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2 * PHASES,
            }),
            resolved: buffer(
                "resolved timestamps",
                wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            ),
            readback: buffer(
                "timestamps readback",
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            ),
            period_ns: period_ns as f64,
        }
    }

    /// The writes that bracket phase `phase`'s compute pass.
    pub fn writes(&self, phase: u32) -> wgpu::ComputePassTimestampWrites<'_> {
        wgpu::ComputePassTimestampWrites {
            query_set: &self.query_set,
            beginning_of_pass_write_index: Some(2 * phase),
            end_of_pass_write_index: Some(2 * phase + 1),
        }
    }

    /// Copies the timestamps towards the mappable buffer, after the passes.
    pub fn resolve(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.resolve_query_set(&self.query_set, 0..2 * PHASES, &self.resolved, 0);
        encoder.copy_buffer_to_buffer(&self.resolved, 0, &self.readback, 0, BYTES);
    }

    /// The buffer to map after the submission.
    pub fn slice(&self) -> wgpu::BufferSlice<'_> {
        self.readback.slice(..)
    }

    /// Reads the mapped timestamps and unmaps them.
    pub fn read(&self) -> Result<DeviceTimings, WgpuError> {
        let ticks: Vec<u64> = {
            let view = self
                .readback
                .slice(..)
                .get_mapped_range()
                .map_err(|error| WgpuError::Map(error.to_string()))?;
            view.chunks_exact(8)
                .map(|chunk| {
                    let mut word = [0; 8];
                    word.copy_from_slice(chunk);
                    u64::from_le_bytes(word)
                })
                .collect()
        };
        self.readback.unmap();
        let phase = |index: usize| {
            let ticks = ticks[2 * index + 1].saturating_sub(ticks[2 * index]);
            Duration::from_nanos((ticks as f64 * self.period_ns) as u64)
        };
        Ok(DeviceTimings {
            functions: phase(0),
            counts: phase(1),
            records: phase(2),
        })
    }
}
