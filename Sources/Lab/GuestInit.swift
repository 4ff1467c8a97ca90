/// The `/init` shell scripts of the lab's initramfs images, run by busybox's sh as PID 1.
/// Lines the host waits for start with `coroner-lab:`. They go through /dev/kmsg, not the
/// tty: a panic flushes the kernel log to the console, while tty output still queued in
/// the UART is lost when kexec jumps to the capture kernel. They also land in the dump's
/// own log, which then says what the lab did.
public enum GuestInit {
  static let prologue = """
    #!/bin/busybox sh
    /bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin /usr/bin /usr/sbin
    /bin/busybox --install -s
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev
    say() { echo "coroner-lab: $*" > /dev/kmsg; }

    """

  /// PID 1 must never exit: that panics with "Attempted to kill init", a false crash.
  static let idle = "while true; do sleep 1; done\n"

  static func loadModules(_ names: [String]) -> String {
    names.map { "insmod /lib/modules/\($0).ko || say \"insmod \($0) failed\"\n" }.joined()
  }

  /// The crash guest: arms the detectors, arms kdump when asked, then detonates.
  public static func crashScript(
    scenario: Scenario, modules: [String], kexecLoad: String?
  ) -> String {
    var script = prologue
    script += "say \"guest up $(uname -r)\"\n"
    script += loadModules(modules)
    for (key, value) in scenario.sysctls {
      let file = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
      script += "echo \(value) > \(file) || say \"cannot set \(key)\"\n"
    }
    if let kexecLoad {
      script += "\(kexecLoad) || say \"kexec failed\"\n"
      script += "say \"kdump loaded $(cat /sys/kernel/kexec_crash_loaded)\"\n"
    }
    script += "say \"detonating \(scenario.name)\"\n"
    switch scenario.trigger {
    case .sysrq(let key): script += "echo \(key) > /proc/sysrq-trigger\n"
    case .module(let name): script += "insmod /lib/detonators/\(name).ko\n"
    }
    return script + idle
  }

  /// The default way the capture kernel saves the dump: a raw copy of /proc/vmcore to the
  /// first virtio disk. `coroner capture` replaces this line when it exists.
  public static let rawCopy = "dd if=/proc/vmcore of=/dev/vda bs=1M conv=fsync"

  /// The capture kernel's /init: finds /proc/vmcore, saves it with `save`, reports the
  /// size the host must read back, syncs (else the disk may stay empty) and powers off.
  public static func captureScript(modules: [String], save: String = rawCopy) -> String {
    var script = prologue
    script += "say \"capture kernel up $(uname -r)\"\n"
    script += loadModules(modules)
    script += """
      n=0
      while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done
      if [ ! -b /dev/vda ]; then
        say "no capture disk /dev/vda"
      elif [ -e /proc/vmcore ]; then
        size=$(stat -c %s /proc/vmcore)
        say "vmcore size $size"
        if \(save); then
          sync
          say "vmcore saved $size"
        else
          say "vmcore save failed"
        fi
      else
        say "no /proc/vmcore"
      fi
      sync
      poweroff -f

      """
    return script + idle
  }
}
