// A server process for tests (llama-server, or relaygen serve): started on a free 127.0.0.1 port,
// waited for until it answers /health, and killed when the object goes away (also when a test
// fails or throws).
#ifndef RELAYGEN_TESTS_SERVER_PROCESS_H_
#define RELAYGEN_TESTS_SERVER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace relaygen {

class ServerProcess {
 public:
  // Starts the llama-server of relaygen's llama.cpp build on `model` with `extra` arguments (one
  // thread, one slot, flash attention off unless overridden) and waits up to `ready_s` seconds.
  // Throws relaygen::Error, with the tail of the server's log, when it does not come up.
  explicit ServerProcess(const std::string& model, const std::vector<std::string>& extra = {}, double ready_s = 60);
  // Runs `argv`, which must make the program listen on 127.0.0.1:`port`, and waits up to `ready_s`
  // seconds for /health to answer 200.
  ServerProcess(std::vector<std::string> argv, int port, double ready_s);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& url() const { return url_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  void Kill();  // SIGKILL now (a server that dies mid-request)
  // SIGTERM, then waits up to `wait_s` seconds: the exit status (128 + signal if killed by one),
  // or -1 if it did not exit (it is then killed).
  int Terminate(double wait_s = 10);
  std::string Log() const;  // what the server printed

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
  std::string log_path_;
  void Launch(std::vector<std::string> argv, double ready_s);
};

// A port on 127.0.0.1 nobody listens on right now.
int FreePort();

}  // namespace relaygen

#endif  // RELAYGEN_TESTS_SERVER_PROCESS_H_
