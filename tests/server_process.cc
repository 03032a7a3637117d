#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <httplib.h>

#include "run_command.h"
#include "test_models.h"
#include "util/error.h"

namespace relaygen {

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error("no free port on 127.0.0.1");
  }
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

ServerProcess::ServerProcess(const std::string& model, const std::vector<std::string>& extra, double ready_s) {
  port_ = FreePort();
  url_ = "http://127.0.0.1:" + std::to_string(port_);
  log_path_ = TestDataPath("llama-server-" + std::to_string(port_) + ".log");
  std::vector<std::string> args = {LlamaToolPath("llama-server"), "-m", model, "--host", "127.0.0.1", "--port",
                                   std::to_string(port_), "-t", "1", "-tb", "1", "-np", "1", "-fa", "off",
                                   "-c", "2048", "--no-warmup", "--no-webui"};
  args.insert(args.end(), extra.begin(), extra.end());
  Launch(std::move(args), ready_s);
}

ServerProcess::ServerProcess(std::vector<std::string> argv, int port, double ready_s) {
  port_ = port;
  url_ = "http://127.0.0.1:" + std::to_string(port_);
  log_path_ = TestDataPath("server-" + std::to_string(port_) + ".log");
  Launch(std::move(argv), ready_s);
}

void ServerProcess::Launch(std::vector<std::string> args, double ready_s) {
  const std::string program = args[0].substr(args[0].find_last_of('/') + 1);
  pid_ = ::fork();
  if (pid_ < 0) throw Error("fork failed");
  if (pid_ == 0) {
    const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::milliseconds(200));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(ready_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw Error(program + " exited before it was ready:\n" + Log());
    }
    auto r = client.Get("/health");
    if (r && r->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  throw Error(program + " not ready after " + std::to_string(ready_s) + " s:\n" + Log());
}

int ServerProcess::Terminate(double wait_s) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
}

std::string ServerProcess::Log() const {
  const std::string log = ReadFile(log_path_);
  return log.size() > 3000 ? log.substr(log.size() - 3000) : log;
}

}  // namespace relaygen
