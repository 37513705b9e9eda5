#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv`/`envp` as the leader of a new session, in `/`, with
/// stdin from /dev/null, stdout and stderr appended to `output_path`, and no other
/// descriptor inherited. Returns 0 and sets `*pid`, or an errno value.
int cspawn_detached(const char *path, char *const argv[], char *const envp[],
                    const char *output_path, pid_t *pid);

#endif
