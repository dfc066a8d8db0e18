//! Finding an adapter, kept apart from using it: [`probe`] only looks; [`GpuContext`] opens
//! the device and builds the pipelines once per process.

use super::shader_source::{machine_words, shader_source};
use super::WgpuError;
use crate::backend::quiet_stderr::silencing_stderr;
use std::sync::{Arc, OnceLock};
use wgpu::util::DeviceExt;

/// What [`probe`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name, as the driver reports it.
    pub name: String,
    /// The graphics API under it (`Vulkan`, `Metal`, …).
    pub api: String,
    /// True for a software rasterizer such as Mesa's lavapipe (`DeviceType::Cpu`).
    pub software: bool,
    /// The driver and its version, as the driver reports them (may be empty).
    pub driver: String,
}

impl std::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.software { ", software" } else { "" };
        write!(f, "{} ({}{kind})", self.name, self.api)
    }
}

/// A new instance. Like every call that loads or asks the drivers, it runs through
/// [`silencing_stderr`]: Mesa writes to stderr while it loads.
fn instance() -> wgpu::Instance {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
    // No validation layers: they are for debugging, and slow on a software adapter.
    descriptor.flags = wgpu::InstanceFlags::empty().with_env();
    wgpu::Instance::new(descriptor)
}

fn request_adapter(instance: &wgpu::Instance) -> Result<wgpu::Adapter, WgpuError> {
    let options = wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    };
    pollster::block_on(instance.request_adapter(&options))
        .map_err(|error| WgpuError::NoAdapter(error.to_string()))
}

/// Looks for an adapter, once per process (the answer is cached).
///
/// ```
/// match perdix::backend::webgpu::probe() {
///     Ok(adapter) => println!("wgpu adapter: {adapter}"),
///     Err(error) => println!("no wgpu: {error}"),
/// }
/// ```
pub fn probe() -> Result<AdapterSummary, WgpuError> {
    static PROBED: OnceLock<Result<AdapterSummary, WgpuError>> = OnceLock::new();
    PROBED
        .get_or_init(|| {
            let adapter = silencing_stderr(|| request_adapter(&instance()))?;
            let info = adapter.get_info();
            Ok(AdapterSummary {
                name: info.name,
                api: format!("{:?}", info.backend),
                software: info.device_type == wgpu::DeviceType::Cpu,
                driver: format!("{} {}", info.driver, info.driver_info).trim().to_owned(),
            })
        })
        .clone()
}

/// The device, its queue and the compiled passes, shared by every wgpu backend of the
/// process.
pub struct GpuContext {
    pub(super) device: wgpu::Device,
    pub(super) queue: wgpu::Queue,
    pub(super) layout: wgpu::BindGroupLayout,
    pub(super) passes: Passes,
    /// The state table and transition functions, uploaded once.
    pub(super) machine: wgpu::Buffer,
    /// The uniform stride between scan levels (the device's offset alignment).
    pub(super) level_stride: u64,
    pub(super) adapter: AdapterSummary,
    /// Nanoseconds per timestamp tick, when the device has timestamp queries.
    pub(super) timestamp_period: Option<f32>,
}

/// One compute pipeline per entry point.
pub(super) struct Passes {
    pub block_functions: wgpu::ComputePipeline,
    pub scan_function_level: wgpu::ComputePipeline,
    pub add_function_level: wgpu::ComputePipeline,
    pub block_counts: wgpu::ComputePipeline,
    pub scan_count_level: wgpu::ComputePipeline,
    pub add_count_level: wgpu::ComputePipeline,
    pub block_records: wgpu::ComputePipeline,
}

impl GpuContext {
    /// The process's context, opened on first use.
    pub fn shared() -> Result<Arc<GpuContext>, WgpuError> {
        static SHARED: OnceLock<Result<Arc<GpuContext>, WgpuError>> = OnceLock::new();
        SHARED.get_or_init(|| GpuContext::open().map(Arc::new)).clone()
    }

    fn open() -> Result<GpuContext, WgpuError> {
        let adapter_summary = probe()?;
        let adapter = silencing_stderr(|| request_adapter(&instance()))?;
        // Timestamps split the device time by phase where the adapter has them.
        let timestamps = adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("perdix parse"),
            required_features: if timestamps {
                wgpu::Features::TIMESTAMP_QUERY
            } else {
                wgpu::Features::empty()
            },
            // WebGPU's defaults: what every conforming adapter offers.
            required_limits: wgpu::Limits::default(),
            ..Default::default()
        };
        let (device, queue) = silencing_stderr(|| pollster::block_on(adapter.request_device(&descriptor)))
            .map_err(|error| WgpuError::Device(error.to_string()))?;
        // Errors are caught by the error scopes around each use; anything outside them is
        // reported, not turned into a panic (wgpu's default).
        device.on_uncaptured_error(Arc::new(|error| eprintln!("perdix: wgpu: {error}")));
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("perdix parse passes"),
            source: wgpu::ShaderSource::Wgsl(shader_source().into()),
        });
        let layout = bind_group_layout(&device);
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("perdix parse"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry_point: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry_point),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry_point),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let passes = Passes {
            block_functions: pipeline("block_functions"),
            scan_function_level: pipeline("scan_function_level"),
            add_function_level: pipeline("add_function_level"),
            block_counts: pipeline("block_counts"),
            scan_count_level: pipeline("scan_count_level"),
            add_count_level: pipeline("add_count_level"),
            block_records: pipeline("block_records"),
        };
        if let Some(error) = pollster::block_on(scope.pop()) {
            return Err(WgpuError::Shader(error.to_string()));
        }
        let machine = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("state machine"),
            contents: bytemuck::cast_slice(&machine_words()),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let level_stride = device.limits().min_uniform_buffer_offset_alignment as u64;
        let timestamp_period = timestamps.then(|| queue.get_timestamp_period());
        Ok(GpuContext {
            timestamp_period,
            device,
            queue,
            layout,
            passes,
            machine,
            level_stride,
            adapter: adapter_summary,
        })
    }

    /// The adapter the context runs on.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }
}

fn bind_group_layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
    let storage = |binding: u32, read_only: bool| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    let level = wgpu::BindGroupLayoutEntry {
        binding: 8,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: wgpu::BufferSize::new(16),
        },
        count: None,
    };
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("perdix parse"),
        entries: &[
            storage(0, true),
            storage(1, true),
            storage(2, true),
            storage(3, true),
            storage(4, false),
            storage(5, false),
            storage(6, false),
            storage(7, false),
            level,
        ],
    })
}
