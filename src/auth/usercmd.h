/* usercmd — `lis user` and `lis plan`: what an operator does from the shell
 * before (and besides) the admin pages: make the first administrator, give
 * a role or a plan, lock an account, change a plan's quota.
 *
 * Owned by auth/. Passwords are read from the terminal without echo, or
 * from standard input when it is not a terminal; never from a flag. Every
 * change is written to the audit log with actor 0 ("system"). */
#ifndef LIS_AUTH_USERCMD_H
#define LIS_AUTH_USERCMD_H

/* lis user SUBCOMMAND ...; returns the process exit code. */
int usercmd_user(int argc, char **argv);
/* lis plan SUBCOMMAND ...; returns the process exit code. */
int usercmd_plan(int argc, char **argv);

#endif
