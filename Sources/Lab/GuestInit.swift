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
    # report NAME COMMAND...: runs COMMAND, then says its output a line at a time between
    # "NAME begin" and "NAME end exit STATUS", so the host reads both from the console.
    report() {
      name=$1; shift
      "$@" > /tmp/$name.out 2>&1
      tell "$name" $?
    }
    tell() {
      say "$1 begin"
      while IFS= read -r line; do say "$1| $line"; done < /tmp/$1.out
      say "$1 end exit $2"
      return $2
    }
    # measured NAME COMMAND...: as report, and says the command's peak resident memory
    # (VmHWM of /proc/PID/status, polled until it exits or is a zombie) as "NAME peak".
    measured() {
      name=$1; shift
      "$@" > /tmp/$name.out 2>&1 &
      pid=$!; peak=
      while [ -e /proc/$pid/status ] && ! grep -q '^State:.*Z' /proc/$pid/status; do
        p=$(grep VmHWM /proc/$pid/status 2>/dev/null); [ -n "$p" ] && peak=$p
        sleep 0.2
      done
      wait $pid
      rc=$?
      say "$name peak $peak"
      tell "$name" $rc
    }

    """

  /// PID 1 must never exit: that panics with "Attempted to kill init", a false crash.
  static let idle = "while true; do sleep 1; done\n"

  static func loadModules(_ names: [String]) -> String {
    names.map { "insmod /lib/modules/\($0).ko || say \"insmod \($0) failed\"\n" }.joined()
  }

  /// The crash guest: arms the detectors, arms kdump when asked, then detonates. `setup`
  /// runs first; `doctor`, when given, is reported before the kdump load as JSON
  /// (`doctor-before`) and after it as text (`doctor-after`); with `saveDoctorTree` the
  /// files the first run read are reported too (`doctor-tree`).
  public static func crashScript(
    scenario: Scenario, modules: [String], kexecLoad: String?, setup: String = "", doctor: String? = nil,
    saveDoctorTree: Bool = false
  ) -> String {
    var script = prologue
    script += "say \"guest up $(uname -r)\"\n"
    script += loadModules(modules)
    script += setup
    for (key, value) in scenario.sysctls {
      let file = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
      script += "echo \(value) > \(file) || say \"cannot set \(key)\"\n"
    }
    if let kexecLoad {
      if let doctor {
        if saveDoctorTree {
          // The files doctor read, as a gzipped tar in base64 lines (GuestReport.archive).
          script += "report doctor-before \(doctor) --json --save-tree /tmp/doctor-tree\n"
          script += "report doctor-tree sh -c 'tar -C /tmp/doctor-tree -cf - . | gzip | base64'\n"
        } else {
          script += "report doctor-before \(doctor) --json\n"
        }
      }
      script += "\(kexecLoad) || say \"kexec failed\"\n"
      script += "say \"kdump loaded $(cat /sys/kernel/kexec_crash_loaded)\"\n"
      if let doctor { script += "report doctor-after \(doctor)\n" }
    }
    script += detonation(scenario)
    return script + idle
  }

  static func detonation(_ scenario: Scenario) -> String {
    var script = "say \"detonating \(scenario.name)\"\n"
    switch scenario.trigger {
    case .sysrq(let key): script += "echo \(key) > /proc/sysrq-trigger\n"
    case .module(let name): script += "insmod /lib/detonators/\(name).ko\n"
    }
    return script
  }

  /// The pstore guest, the same image for both boots: it loads ramoops on the reserved
  /// region and mounts pstore. Empty, it detonates (the kernel's kmsg dumper writes the
  /// panic's log into ramoops, and `panic=1` resets the machine); holding records, it
  /// moves them out with `coroner pstore`, reports the recovered logs and powers off.
  public static func pstoreScript(
    scenario: Scenario, modules: [String], ramoops: String, coroner: String
  ) -> String {
    var script = prologue
    script += "say \"guest up $(uname -r)\"\n"
    script += loadModules(modules)
    script += """
      insmod /lib/modules/ramoops.ko \(ramoops) || say "insmod ramoops failed"
      mkdir -p /sys/fs/pstore
      mount -t pstore pstore /sys/fs/pstore || say "cannot mount pstore"
      if [ -n "$(ls /sys/fs/pstore)" ]; then
        say "pstore holds $(ls /sys/fs/pstore | tr '\\n' ' ')"
        report pstore-harvest \(coroner) pstore --to /tmp/crash
        report pstore-dmesg sh -c 'cat /tmp/crash/*/dmesg*'
        say "pstore round trip done"
        sync
        poweroff -f
      fi

      """
    for (key, value) in scenario.sysctls {
      let file = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
      script += "echo \(value) > \(file) || say \"cannot set \(key)\"\n"
    }
    script += detonation(scenario)
    return script + idle
  }

  /// The netconsole guest: brings up its virtio NIC, loads netconsole with `target`, and
  /// detonates; the kernel's report of the crash then also goes to the host over UDP.
  /// With `ramoops`, the panic is kept in pstore too and resets the guest (`panic=1`);
  /// the next boot finds the records and reports them as a gzipped tar in base64 lines
  /// (`pstore-files`), then powers off.
  public static func netconsoleScript(
    scenario: Scenario, modules: [String], target: NetconsoleTarget, ramoops: String?
  ) -> String {
    var script = prologue
    script += "say \"guest up $(uname -r)\"\n"
    script += loadModules(modules)
    if let ramoops {
      script += """
        insmod /lib/modules/ramoops.ko \(ramoops) || say "insmod ramoops failed"
        mkdir -p /sys/fs/pstore
        mount -t pstore pstore /sys/fs/pstore || say "cannot mount pstore"
        if [ -n "$(ls /sys/fs/pstore)" ]; then
          say "pstore holds $(ls /sys/fs/pstore | tr '\\n' ' ')"
          report pstore-files sh -c 'tar -C /sys/fs/pstore -cf - . | gzip | base64'
          say "pstore records reported"
          poweroff -f
        fi

        """
    }
    script += target.guestSetup
    for (key, value) in scenario.sysctls {
      let file = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
      script += "echo \(value) > \(file) || say \"cannot set \(key)\"\n"
    }
    script += detonation(scenario)
    return script + idle
  }

  /// The default way the capture kernel saves the dump: a raw copy of /proc/vmcore to the
  /// first virtio disk. `coroner capture` replaces this line when it exists.
  public static let rawCopy = "dd if=/proc/vmcore of=/dev/vda bs=1M conv=fsync"

  /// Where the capture kernel's `coroner capture` writes: a tmpfs of its own, as large as
  /// the free memory (rootfs is limited to half the RAM, and the unpacked initramfs with
  /// coroner already takes 67 MiB of it).
  public static let coronerCaptureFolder = "/tmp/capture"

  /// The save line that runs `coroner capture` instead of the raw copy: the log, crash.json
  /// and the dump at `level` with `codec` go to a folder in RAM, reported to the console
  /// (`capture` report, its summary line), then as a tar onto the raw virtio disk, which
  /// the host unpacks. Memory is reported before and after, to size `crashkernel=`.
  public static func coronerCapture(command: String, level: Int = 31, codec: String = "zlib") -> String {
    let folder = coronerCaptureFolder
    return
      "{ mkdir -p \(folder) && mount -t tmpfs -o size=$(grep '^MemFree:' /proc/meminfo | tr -dc 0-9)k tmpfs \(folder);"
      + " say \"memory before $(grep -E '^(MemTotal|MemFree):' /proc/meminfo | tr -s ' ' | tr '\\n' ' ')\";"
      + " measured capture \(command) --from /proc/vmcore --to \(folder)"
      + " --dump-level \(level) --compress \(codec) &&"
      + " say \"memory after $(grep -E '^(MemFree):' /proc/meminfo | tr -s ' ')\" &&"
      + " say \"capture folder $(ls -l \(folder) | tr -s ' ' | tr '\\n' ';')\" &&"
      + " tar -C \(folder) -cf /dev/vda . && say \"capture tar written\"; }"
  }

  /// The capture kernel's /init: finds /proc/vmcore, runs `bench` (CaptureBench) when
  /// given, saves it with `save`, reports the size the host must read back, syncs (else the
  /// disk may stay empty) and powers off.
  public static func captureScript(modules: [String], save: String = rawCopy, bench: String = "") -> String {
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
      \(bench)  if \(save); then
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
