#include "auth/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <atomic>
#include <vector>

#include "base/strings.h"

namespace hearth::auth {
namespace {

Status OpenSslError(std::string_view what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = {};
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return Internal(std::string(what) + (e != 0 ? std::string(": ") + buf : std::string()));
}

// Fetched once: an implicit fetch per signature costs more than the hash itself.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

std::string BigNumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return "";
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return Base64UrlEncode(bytes);
}

struct MdCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string Sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string Sha256Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string digest = Sha256(data);
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

RsaKey::RsaKey(EVP_PKEY* key) : key_(key) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1);
}

RsaKey::~RsaKey() { EVP_PKEY_free(key_); }

Result<std::shared_ptr<const RsaKey>> RsaKey::Generate(int bits) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (key == nullptr) return OpenSslError("RSA key generation failed");
  return std::shared_ptr<const RsaKey>(new RsaKey(key));
}

Result<std::shared_ptr<const RsaKey>> RsaKey::FromPrivatePem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return OpenSslError("BIO_new_mem_buf");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return OpenSslError("not a PEM private key");
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    return InvalidArgument("the key is not an RSA key");
  }
  return std::shared_ptr<const RsaKey>(new RsaKey(key));
}

Result<std::shared_ptr<const RsaKey>> RsaKey::FromJwk(std::string_view n, std::string_view e) {
  auto n_bytes = Base64Decode(n);
  auto e_bytes = Base64Decode(e);
  if (!n_bytes || !e_bytes || n_bytes->empty() || e_bytes->empty()) {
    return InvalidArgument("the JWK's n or e is not base64url");
  }
  if (n_bytes->size() < 256 || n_bytes->size() > 1024) {
    return InvalidArgument("RSA keys must have 2048 to 8192 bits");
  }
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes->data()),
                           static_cast<int>(n_bytes->size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes->data()),
                           static_cast<int>(e_bytes->size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* key = nullptr;
  if (bn_n != nullptr && bn_e != nullptr && bld != nullptr &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
      (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
      (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) != nullptr &&
      EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  if (key == nullptr) return OpenSslError("could not build an RSA key from the JWK");
  return std::shared_ptr<const RsaKey>(new RsaKey(key));
}

Result<std::string> RsaKey::PrivatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return OpenSslError("BIO_new");
  if (PEM_write_bio_PrivateKey(bio, key_, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    BIO_free(bio);
    return OpenSslError("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string RsaKey::modulus() const { return BigNumParam(key_, OSSL_PKEY_PARAM_RSA_N); }
std::string RsaKey::exponent() const { return BigNumParam(key_, OSSL_PKEY_PARAM_RSA_E); }
int RsaKey::bits() const { return EVP_PKEY_get_bits(key_); }

Result<std::string> RsaKey::SignRs256(std::string_view data) const {
  MdCtx md;
  size_t size = 0;
  if (md.ctx == nullptr || EVP_DigestSignInit(md.ctx, nullptr, Sha256Md(), nullptr, key_) != 1 ||
      EVP_DigestSign(md.ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return OpenSslError("RS256 signing failed");
  }
  std::string sig(size, '\0');
  if (EVP_DigestSign(md.ctx, reinterpret_cast<unsigned char*>(sig.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return OpenSslError("RS256 signing failed");
  }
  sig.resize(size);
  return sig;
}

bool RsaKey::VerifyRs256(std::string_view data, std::string_view signature) const {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  // One initialised verification context per thread for the last key it used: in OpenSSL 3
  // setting a context up costs more than the RSA verification itself.
  struct CachedCtx {
    uint64_t key_id = 0;
    EVP_PKEY_CTX* ctx = nullptr;
    ~CachedCtx() { EVP_PKEY_CTX_free(ctx); }
  };
  thread_local CachedCtx cached;
  if (cached.key_id != id_) {
    EVP_PKEY_CTX_free(cached.ctx);
    cached.key_id = 0;
    cached.ctx = EVP_PKEY_CTX_new(key_, nullptr);
    if (cached.ctx == nullptr || EVP_PKEY_verify_init(cached.ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(cached.ctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(cached.ctx, Sha256Md()) != 1) {
      ERR_clear_error();
      return false;
    }
    cached.key_id = id_;
  }
  bool ok = EVP_PKEY_verify(cached.ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), digest, sizeof digest) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace hearth::auth
