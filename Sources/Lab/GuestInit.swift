/// The `/init` shell scripts of the lab's initramfs images, run by busybox's sh as PID 1.
/// Lines the host waits for start with `coroner-lab:`.
public enum GuestInit {
  static let prologue = """
    #!/bin/busybox sh
    /bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin /usr/bin /usr/sbin
    /bin/busybox --install -s
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev

    """

  /// PID 1 must never exit: that panics with "Attempted to kill init", a false crash.
  static let idle = "while true; do sleep 1; done\n"

  static func loadModules(_ names: [String]) -> String {
    names.map { "insmod /lib/modules/\($0).ko || echo \"coroner-lab: insmod \($0) failed\"\n" }.joined()
  }

  /// The crash guest: arms the detectors, arms kdump when asked, then detonates.
  public static func crashScript(
    scenario: Scenario, modules: [String], kexecLoad: String?
  ) -> String {
    var script = prologue
    script += "echo \"coroner-lab: guest up $(uname -r)\"\n"
    script += loadModules(modules)
    for (key, value) in scenario.sysctls {
      let file = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
      script += "echo \(value) > \(file) || echo \"coroner-lab: cannot set \(key)\"\n"
    }
    if let kexecLoad {
      script += "\(kexecLoad) || echo \"coroner-lab: kexec failed\"\n"
      script += "echo \"coroner-lab: kdump loaded $(cat /sys/kernel/kexec_crash_loaded)\"\n"
    }
    script += "echo \"coroner-lab: detonating \(scenario.name)\"\n"
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
    script += "echo \"coroner-lab: capture kernel up $(uname -r)\"\n"
    script += loadModules(modules)
    script += """
      n=0
      while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done
      if [ ! -b /dev/vda ]; then
        echo "coroner-lab: no capture disk /dev/vda"
      elif [ -e /proc/vmcore ]; then
        size=$(stat -c %s /proc/vmcore)
        echo "coroner-lab: vmcore size $size"
        if \(save); then
          sync
          echo "coroner-lab: vmcore saved $size"
        else
          echo "coroner-lab: vmcore save failed"
        fi
      else
        echo "coroner-lab: no /proc/vmcore"
      fi
      sync
      poweroff -f

      """
    return script + idle
  }
}
