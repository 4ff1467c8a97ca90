import Capture

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The capture kernel's coroner: `coroner capture` alone, linked with nothing the
// capture does not use (no argument-parsing library, no Foundation), so the capture
// initramfs and the crashkernel reservation it is unpacked into stay small.

func writeTo(_ stream: UnsafeMutablePointer<FILE>?, _ text: String) {
  var bytes = Array(text.utf8)
  _ = fwrite(&bytes, 1, bytes.count, stream)
}

let status = CaptureTool.run(
  Array(CommandLine.arguments.dropFirst()), program: "coroner-capture", terminal: isatty(2) != 0,
  write: { writeTo(stderr, $0) }, help: { writeTo(stdout, $0) })
exit(status)
