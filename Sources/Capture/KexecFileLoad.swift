import CKexec
import Glibc

/// kexec_file_load(2): load a kernel for kexec from file descriptors; the kernel parses
/// and, under lockdown or KEXEC_SIG_FORCE, verifies the image itself.
/// Flags from include/uapi/linux/kexec.h; errors from kernel/kexec_file.c.
public enum KexecFileLoad {
  public static let unload: UInt = 0x1  // KEXEC_FILE_UNLOAD
  public static let onCrash: UInt = 0x2  // KEXEC_FILE_ON_CRASH
  public static let noInitramfs: UInt = 0x4  // KEXEC_FILE_NO_INITRAMFS

  /// Loads `kernel` (and `initrd`) as the crash kernel with `commandLine`.
  public static func loadCrashKernel(
    kernel: String, initrd: String?, commandLine: String
  ) throws(KexecLoadError) {
    let kernelFD = open(kernel, O_RDONLY | O_CLOEXEC)
    guard kernelFD >= 0 else { throw KexecLoadError(operation: .open(kernel), errno: errno) }
    defer { close(kernelFD) }
    var initrdFD: Int32 = -1
    if let initrd {
      initrdFD = open(initrd, O_RDONLY | O_CLOEXEC)
      guard initrdFD >= 0 else { throw KexecLoadError(operation: .open(initrd), errno: errno) }
    }
    defer { if initrdFD >= 0 { close(initrdFD) } }
    let flags = onCrash | (initrd == nil ? noInitramfs : 0)
    // The length counts the terminating NUL (kernel/kexec_file.c checks cmdline[len - 1]).
    let result = commandLine.withCString { text in
      ckexec_file_load(kernelFD, initrdFD, UInt(commandLine.utf8.count + 1), text, flags)
    }
    guard result == 0 else { throw KexecLoadError(operation: .load, errno: errno) }
  }

  /// Unloads the crash kernel.
  public static func unloadCrashKernel() throws(KexecLoadError) {
    // With KEXEC_FILE_UNLOAD the descriptors and the command line are ignored.
    guard ckexec_file_load(-1, -1, 0, nil, unload | onCrash) == 0 else {
      throw KexecLoadError(operation: .unload, errno: errno)
    }
  }
}

/// A failed load or unload: the errno, and the cause named from the machine's state.
public struct KexecLoadError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Operation: Sendable, Equatable {
    case open(String)
    case load
    case unload
  }

  public var operation: Operation
  public var errno: Int32
  /// Filled in by `diagnose(_:)`; errno's own words until then.
  public var cause: String?

  public init(operation: Operation, errno: Int32, cause: String? = nil) {
    self.operation = operation
    self.errno = errno
    self.cause = cause
  }

  public var errnoText: String { String(cString: strerror(errno)) }

  public var description: String {
    let what: String
    switch operation {
    case .open(let path): what = "cannot open \(path)"
    case .load: what = "kexec_file_load failed"
    case .unload: what = "kexec_file_load(KEXEC_FILE_UNLOAD) failed"
    }
    return "\(what): \(errnoText)" + (cause.map { ": \($0)" } ?? "")
  }

  /// Names the cause of a failure from errno and the state that explains it.
  /// EKEYREJECTED, ENOKEY and EBADMSG come from signature checks (kexec_image_verify_sig);
  /// EADDRNOTAVAIL and ENOMEM from placing segments in the reservation
  /// (kexec_locate_mem_hole); EPERM from capabilities, kexec_load_disabled or lockdown.
  public func diagnose(_ root: SystemRoot, imageBytes: UInt64? = nil) -> KexecLoadError {
    var copy = self
    if case .open = operation { return copy }
    let reserved = root.value(KdumpReadiness.sizePath).flatMap { UInt64($0) }
    let lockdown = root.value("/sys/kernel/security/lockdown").flatMap(KdumpReadiness.bracketed) ?? "none"
    let lockedDown = lockdown != "none"
    switch errno {
    case EKEYREJECTED, ENOKEY, EBADMSG:
      copy.cause =
        "the image's signature was rejected" + (lockedDown ? " (lockdown: \(lockdown))" : "")
        + "; load a kernel signed with a key the kernel trusts"
    case EPERM:
      if root.value("/proc/sys/kernel/kexec_load_disabled") == "1" {
        copy.cause = "kernel.kexec_load_disabled is 1: loading is off until reboot"
      } else if lockedDown {
        copy.cause = "the kernel is locked down (\(lockdown)): it needs a signed image"
      } else {
        copy.cause = "loading a kernel needs CAP_SYS_BOOT (run as root)"
      }
    case EINVAL, ENOMEM, EADDRNOTAVAIL:
      if reserved == 0 || reserved == nil {
        copy.cause =
          "no memory is reserved for a capture kernel (kexec_crash_size is 0): boot with crashkernel="
      } else if errno != EINVAL, let reserved {
        let image = imageBytes.map { "kernel and initramfs take \(formatBytes($0)); " } ?? ""
        copy.cause =
          "the image is too large for the reservation: \(image)\(formatBytes(reserved)) is reserved"
      } else {
        copy.cause = "the kernel refused the image or the command line"
      }
    case ENOEXEC:
      copy.cause = "not a kernel image this kernel can load (a bzImage on x86_64)"
    case EBUSY:
      copy.cause = "another kexec load is in progress"
    case ENOSYS:
      copy.cause = "this kernel has no kexec_file_load (CONFIG_KEXEC_FILE)"
    default:
      break
    }
    return copy
  }
}
