/// Where examine finds debuginfo for file:line of every frame. With none of them,
/// frames keep the names the log or the dump's kallsyms gave them.
public struct ExamineOptions: Sendable, Hashable {
  /// The vmlinux with DWARF of the dead kernel.
  public var vmlinux: String?
  /// A debug file tree (`boot/vmlinux-REL`, `lib/modules/REL`, `.build-id`); a vmlinux
  /// is looked up there by release and build id when none is given.
  public var debugDirectory: String?
  /// A folder searched for module debug files (`NAME.ko`, `NAME.ko.debug`).
  public var modulesDirectory: String?

  public init(vmlinux: String? = nil, debugDirectory: String? = nil, modulesDirectory: String? = nil) {
    self.vmlinux = vmlinux
    self.debugDirectory = debugDirectory
    self.modulesDirectory = modulesDirectory
  }

  /// Whether frames are to be resolved to source lines.
  public var wantsSource: Bool { vmlinux != nil || debugDirectory != nil }
}
