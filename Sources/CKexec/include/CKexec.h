// kexec_file_load(2) has no glibc wrapper and Swift cannot call the variadic
// syscall(2), so this one non-variadic function makes the call.
#ifndef CORONER_CKEXEC_H
#define CORONER_CKEXEC_H

/// Calls kexec_file_load(2) (include/uapi/linux/kexec.h). Returns 0 or -1 with errno
/// set; -1 with errno ENOSYS on an architecture without the system call.
long ckexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                      const char *cmdline, unsigned long flags);

#endif
