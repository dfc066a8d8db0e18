//! Whether a GPU can be here at all, from the device nodes alone, before any driver is
//! loaded: on Linux a GPU the backends can use shows up as a DRM render node
//! (`/dev/dri/renderD*`), an NVIDIA device (`/dev/nvidia*`) or, under WSL, `/dev/dxg`.

use std::path::Path;

/// The GPU device nodes under a `/dev` folder.
///
/// ```
/// use perdix::backend::auto::GpuNodes;
/// let dev = std::env::temp_dir().join(format!("perdix-dev-doc-{}", std::process::id()));
/// std::fs::create_dir_all(dev.join("dri")).unwrap();
/// assert!(!GpuNodes::scan(&dev).any());
/// std::fs::write(dev.join("dri/renderD128"), b"").unwrap();
/// assert_eq!(GpuNodes::scan(&dev), GpuNodes { render: true, nvidia: false, dxg: false });
/// # std::fs::remove_dir_all(&dev).ok();
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GpuNodes {
    /// A DRM render node (`dri/renderD*`): a GPU with a Vulkan driver may be behind it.
    pub render: bool,
    /// An NVIDIA device node (`nvidia0`, `nvidiactl`, …): CUDA may run.
    pub nvidia: bool,
    /// WSL's GPU node (`dxg`): CUDA and Vulkan may run.
    pub dxg: bool,
}

impl GpuNodes {
    /// What `dev` holds.
    pub fn scan(dev: &Path) -> GpuNodes {
        let names = |dir: &Path| -> Vec<String> {
            std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(|entry| entry.ok())
                        .map(|entry| entry.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let top = names(dev);
        GpuNodes {
            render: names(&dev.join("dri"))
                .iter()
                .any(|name| name.starts_with("renderD")),
            nvidia: top.iter().any(|name| name.starts_with("nvidia")),
            dxg: top.iter().any(|name| name == "dxg"),
        }
    }

    /// This machine's nodes on Linux; `None` elsewhere (Metal and DX12 have no such
    /// nodes, so there only the probes can tell).
    pub fn here() -> Option<GpuNodes> {
        cfg!(target_os = "linux").then(|| GpuNodes::scan(Path::new("/dev")))
    }

    /// True when any GPU node is there.
    pub fn any(self) -> bool {
        self.render || self.nvidia || self.dxg
    }

    /// True when the cuda backend may find a device.
    pub fn cuda_possible(self) -> bool {
        self.nvidia || self.dxg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_told_apart() {
        let dev = std::env::temp_dir().join(format!("perdix-dev-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dev);
        std::fs::create_dir_all(dev.join("dri")).unwrap();
        // A card node alone is a display, not a compute device the backends open.
        std::fs::write(dev.join("dri/card0"), b"").unwrap();
        std::fs::write(dev.join("null"), b"").unwrap();
        assert_eq!(GpuNodes::scan(&dev), GpuNodes::default());
        std::fs::write(dev.join("nvidiactl"), b"").unwrap();
        let nodes = GpuNodes::scan(&dev);
        assert!(nodes.nvidia && nodes.cuda_possible() && !nodes.render);
        std::fs::write(dev.join("dxg"), b"").unwrap();
        assert!(GpuNodes::scan(&dev).dxg);
        assert!(!GpuNodes::scan(&dev.join("missing")).any());
        let _ = std::fs::remove_dir_all(&dev);
    }
}
