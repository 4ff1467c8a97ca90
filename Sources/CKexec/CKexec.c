#include "CKexec.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

long ckexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                      const char *cmdline, unsigned long flags) {
#ifdef SYS_kexec_file_load
  return syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
#else
  errno = ENOSYS;
  return -1;
#endif
}
