import Foundation

/// The loadable modules of a kernel, found by name in its modules folder.
struct KernelModules {
  /// Module name (`virtio_blk`) to its file (`.ko`, `.ko.xz` or `.ko.zst`).
  var files: [String: URL]

  /// The virtio disk stack and the fw_cfg driver, in load order. `virtio_ring` must precede
  /// `virtio`; the `virtio_pci_*_dev` helpers exist from 5.12 on and are skipped when absent.
  /// `qemu_fw_cfg` lets QEMU's `-device vmcoreinfo` learn the guest's VMCOREINFO.
  static let bootOrder = [
    "virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
    "virtio_blk", "qemu_fw_cfg",
  ]

  /// The netconsole guest's NIC driver and netconsole's dependency, in load order (each
  /// module's `depends=`): e1000 (see `NetconsoleRun.networkDevice` for why not
  /// virtio_net); netconsole needs configfs (CONFIG_NETCONSOLE_DYNAMIC). netconsole
  /// itself is loaded last, with its target.
  static let networkOrder = ["e1000", "configfs"]

  init(folder: URL?) {
    var files: [String: URL] = [:]
    if let folder, let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) {
      for case let url as URL in walker {
        if let name = Self.moduleName(url.lastPathComponent), files[name] == nil { files[name] = url }
      }
    }
    self.files = files
  }

  /// `virtio_blk.ko.xz` -> `virtio_blk`; nil for files that are not modules.
  static func moduleName(_ file: String) -> String? {
    for suffix in [".ko", ".ko.xz", ".ko.zst", ".ko.gz"] where file.hasSuffix(suffix) {
      return String(file.dropLast(suffix.count))
    }
    return nil
  }

  /// The modules of `names` that exist, in the given order (absent ones are built in or
  /// do not exist in this kernel).
  func present(_ names: [String]) -> [(name: String, file: URL)] {
    names.compactMap { name in files[name].map { (name, $0) } }
  }

  /// The module's bytes, decompressed on the host: busybox `insmod` loads plain ELF only.
  static func contents(of file: URL) throws -> Data {
    let name = file.lastPathComponent
    if name.hasSuffix(".ko") { return try Data(contentsOf: file) }
    let tool = name.hasSuffix(".xz") ? "xz" : name.hasSuffix(".zst") ? "zstd" : "gzip"
    return try Subprocess.stdout([tool, "-dc", file.path])
  }
}
