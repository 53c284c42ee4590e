// HTTPS in the client against a real TLS server (openssl s_server, answering
// every request with its HTML status page): certificate verification with
// the default CA store, SNI and host name checks. Each test makes its own
// self-signed certificate and trusts it (or not) through SSL_CERT_FILE.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "support/test_env.h"

namespace ink::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ink_tls_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  // A self-signed certificate for subjectAltName `san`, served on a free port.
  void serve(const std::string& san) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-days 1 -subj /CN=ink-test -addext subjectAltName=" +
        san + " -keyout " + (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() +
        " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    port_ = free_port();
    server_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/openssl", "s_server", "-www", "-accept",
                                 std::to_string(port_), "-cert", (dir_ / "cert.pem").string(),
                                 "-key", (dir_ / "key.pem").string()},
        std::map<std::string, std::string>{}, (dir_ / "server.log").string());
    ASSERT_TRUE(wait_until([&] { return accepts(port_); }, 10s))
        << read_file((dir_ / "server.log").string());
  }

  struct Run {
    int status;
    std::string err;
  };
  Run ink_head(const std::string& host, bool trust) {
    std::string cmd =
        std::string(trust ? "SSL_CERT_FILE=" + (dir_ / "cert.pem").string() + " " : "") +
        INK_CLI_BIN_DIR "/ink head --retries 0 --timeout 5 --server https://" + host + ":" +
        std::to_string(port_) + " >/dev/null 2>" + (dir_ / "err").string();
    int st = std::system(cmd.c_str());
    return {WIFEXITED(st) ? WEXITSTATUS(st) : 128, read_file((dir_ / "err").string())};
  }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<Process> server_;
};

TEST_F(Tls, UntrustedCertificateIsRefused) {
  serve("DNS:localhost");
  Run r = ink_head("localhost", /*trust=*/false);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("TLS handshake with https://localhost:" + std::to_string(port_)),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("certificate: self-signed certificate"), std::string::npos) << r.err;
}

TEST_F(Tls, TrustedCertificateForTheNameGetsThrough) {
  serve("DNS:localhost");
  Run r = ink_head("localhost", /*trust=*/true);
  // The handshake succeeds; s_server's HTML page is then refused as an answer.
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.find("TLS handshake"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the answer is not valid JSON"), std::string::npos) << r.err;
}

TEST_F(Tls, CertificateForAnotherNameIsRefused) {
  serve("DNS:other.example");
  Run r = ink_head("localhost", /*trust=*/true);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("certificate: hostname mismatch"), std::string::npos) << r.err;
  serve("IP:127.0.0.2");
  Run ip = ink_head("127.0.0.1", /*trust=*/true);
  EXPECT_EQ(ip.status, 2);
  EXPECT_NE(ip.err.find("certificate: IP address mismatch"), std::string::npos) << ip.err;
}

}  // namespace
}  // namespace ink::test
