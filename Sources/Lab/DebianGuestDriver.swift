/// The files the lab adds to its Debian guest to drive the kdump-tools cycle
/// (`KdumpToolsCycle`) from inside: a script, two units that run it, and the settings of
/// the boot (file system table, kdump-tools, ramoops). Nothing logs in: the units say what
/// they do on the console.
enum DebianGuestDriver {
  static let script = """
    #!/bin/sh
    # The lab's driver in its Debian guest. `before` runs ahead of kdump-tools.service,
    # `after` once kdump-tools.service and coroner-pstore.service are done. Lines go to
    # /dev/kmsg, so they reach the console (and the dump's own log) as `coroner-lab: ...`.
    state=/var/lib/coroner-lab/detonated
    say() { echo "coroner-lab: $*" > /dev/kmsg; }
    # report NAME COMMAND...: the command's output between "NAME begin" and
    # "NAME end exit STATUS" (GuestReport).
    report() {
      name=$1; shift
      "$@" > /run/coroner-lab.out 2>&1
      status=$?
      say "$name begin"
      while IFS= read -r line; do say "$name| $line"; done < /run/coroner-lab.out
      say "$name end exit $status"
    }
    case $1 in
    before)
      say "debian boot $(uname -r) $(cat /proc/sys/kernel/random/boot_id)"
      [ -e $state ] || report doctor-before coroner doctor --json
      ;;
    after)
      if [ ! -e $state ]; then
        report kdump-config kdump-config show
        report doctor-after coroner doctor
        mkdir -p ${state%/*} && touch $state && sync
        echo 1 > /proc/sys/kernel/sysrq
        say "detonating"
        echo c > /proc/sysrq-trigger
        say "cycle failed: sysrq-c returned"
      else
        report crash-files find /var/crash -type f
        report pstore-unit systemctl status --no-pager coroner-pstore.service
        report pstore-examine sh -c 'cat /var/crash/coroner/*/pstore-*/examine.txt'
        say "debian cycle done"
        sync
        systemctl poweroff
      fi
      ;;
    esac

    """

  /// Before kdump-tools.service, which runs early (before basic.target, without default
  /// dependencies), so this one must too: the capture kernel is not loaded yet. Neither
  /// unit runs in the capture kernel, which kdump-tools boots into kdump-tools-dump.service
  /// alone.
  static let beforeUnit = """
    [Unit]
    Description=Coroner lab: coroner doctor before kdump-tools loads the capture kernel
    DefaultDependencies=no
    After=local-fs.target systemd-modules-load.service
    Before=kdump-tools.service

    [Service]
    Type=oneshot
    ExecStart=/usr/local/sbin/coroner-lab before

    [Install]
    WantedBy=multi-user.target

    """

  static let afterUnit = """
    [Unit]
    Description=Coroner lab: coroner doctor and sysrq-c; after the crash, what was saved
    After=kdump-tools.service coroner-pstore.service

    [Service]
    Type=oneshot
    ExecStart=/usr/local/sbin/coroner-lab after

    [Install]
    WantedBy=multi-user.target

    """

  /// kdump-tools' settings: on, dumps in /var/crash (its defaults, said again so the
  /// cycle does not depend on debconf's answer), and the capture kernel's command line
  /// given whole (kdump-tools appends its KDUMP_CMDLINE_APPEND): without it kdump-tools
  /// copies the running kernel's, and the ramoops region with it, so the capture kernel
  /// would load ramoops over the record the next boot is to harvest
  /// (`KdumpToolsCycle.kernelParameters` less crashkernel=, ramoops and memmap=).
  static let kdumpTools = """
    USE_KDUMP=1
    KDUMP_KERNEL=/var/lib/kdump/vmlinuz
    KDUMP_INITRD=/var/lib/kdump/initrd.img
    KDUMP_COREDIR="/var/crash"
    KDUMP_CMDLINE="root=/dev/vda rw console=ttyS0 printk.devkmsg=on nokaslr no_timer_check"

    """

  static var files: DebianGuestDisk.Files {
    DebianGuestDisk.Files(
      files: [
        ("/usr/local/sbin/coroner-lab", 0o755, script),
        ("/etc/systemd/system/coroner-lab-before.service", 0o644, beforeUnit),
        ("/etc/systemd/system/coroner-lab.service", 0o644, afterUnit),
        ("/etc/default/kdump-tools", 0o644, kdumpTools),
        // No fsck: the root was last left by a panic, and the journal replay suffices.
        ("/etc/fstab", 0o644, "/dev/vda / ext4 rw,errors=remount-ro 0 0\n"),
        ("/etc/hostname", 0o644, "coroner-guest\n"),
        // ramoops takes its region from the kernel command line (ramoops.mem_address=...);
        // being a module, it must be loaded for the region to be read.
        ("/etc/modules-load.d/ramoops.conf", 0o644, "ramoops\n"),
      ],
      enabledUnits: ["coroner-lab-before.service", "coroner-lab.service", "coroner-pstore.service"])
  }
}
