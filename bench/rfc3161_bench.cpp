// RFC 3161 (issue #12): the CPU a token adds to a ts, without the stack. One
// SHA-256 TimeStampReq with certReq (as jarsigner and osslsigncode send it),
// checked and signed through OpenSSL's TS API with the test PKI (ECDSA P-256);
// the raw ECDSA P-256 signature is the yardstick, measured in the same run.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <array>
#include <string>

#include "rfc3161/test_pki.h"
#include "rfc3161/token.h"
#include "rfc3161/tsa.h"

namespace {

using namespace ink::rfc3161;

const Tsa& tsa() {
  static const Tsa t = Tsa::from_pem(test::pki().chain(), test::pki().tsa_key.pem(), TsaOptions{});
  return t;
}

const std::string& request() {
  static const std::string r = make_request(NID_sha256, std::string(32, 'x'), "");
  return r;
}

void BM_EcdsaP256Sign(benchmark::State& state) {
  EVP_PKEY* key = test::pki().tsa_key.k;
  const std::string message(200, 'm');
  unsigned char signature[128];
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t length = sizeof signature;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, signature, &length, reinterpret_cast<const unsigned char*>(message.data()),
                   message.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(length);
  }
}
BENCHMARK(BM_EcdsaP256Sign)->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(2)->UseRealTime();

void BM_TsaCheck(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(tsa().check(request()));
}
BENCHMARK(BM_TsaCheck)->Unit(benchmark::kMicrosecond);

void BM_TsaGrant(benchmark::State& state) {
  std::array<uint8_t, 16> serial{};
  uint64_t n = 0;
  for (auto _ : state) {
    serial[15] = uint8_t(++n);
    benchmark::DoNotOptimize(tsa().grant(request(), serial, 1'700'000'000'000'000));
  }
}
BENCHMARK(BM_TsaGrant)->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
