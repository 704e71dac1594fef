// Native kernels for the tfjs WebAssembly backend: OpenBLAS sgemm and fused loops computing in place on the wasm heap.
//
// Every function takes the wasm heap (a Uint8Array over WebAssembly.Memory) and byte offsets into it, so no tensor
// is copied per call. Element-wise arithmetic is plain float (built with -ffp-contract=off): the fused Adam update
// then rounds exactly like tfjs' chain of kernels.
#include <napi.h>
#include <malloc.h>
#include <cblas.h>
#ifdef GANFORGE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
extern "C" void omp_set_num_threads(int);
extern "C" void omp_set_dynamic(int);
extern "C" int omp_get_max_threads(void);
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);
extern "C" char* openblas_get_config(void);

namespace {

enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kSigmoid = 4, kElu = 5 };

// Branch-free forms: with signs at random, a branch per element mispredicts half the time (30x slower measured).
// x · (x < 0 ? α : 1) is x < 0 ? α·x : x exactly (x·1 = x, also for -0 and NaN).
inline float LeakyRelu(float x, float alpha) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const float factors[2] = {1.f, alpha};
  return x * factors[(bits >> 31) & (x != 0.f)];
}

// tanh through expf, ~10x faster than glibc's tanhf here. Near 0, where 1 - 2/(e^2|x| + 1) cancels, the Taylor series
// to x^21 instead (its remainder is < 1e-8 relative for |x| < 0.625). Both are computed, then one is selected: no branch.
inline float Tanh(float x) {
  const float a = std::fabs(x);
  const float s = a * a;
  float p = 0.0000969154f;
  for (const float c : {-0.000239129f, 0.000590027f, -0.001455834f, 0.003592128f, -0.008863236f, 0.021869489f,
                        -0.053968254f, 0.133333333f, -0.333333333f, 1.f}) {
    p = p * s + c;
  }
  const float small = a * p;
  const float large = 1.f - 2.f / (std::exp(2.f * std::min(a, 9.f)) + 1.f);
  return std::copysign(a < 0.625f ? small : large, x);
}

// Row-major C = op(A)·op(B) (alpha 1) + beta·C: oneDNN's sgemm when built with it (AVX-512 where the CPU has it; Debian's
// OpenBLAS stops at AVX2, and OPENBLAS_CORETYPE may pin it lower), else OpenBLAS. Each is deterministic for a thread count.
void Gemm(bool transA, bool transB, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
          float* c, int ldc) {
#ifdef GANFORGE_ONEDNN
  dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.f, a, lda, b, ldb, beta, c, ldc);
#else
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.f, a, lda,
              b, ldb, beta, c, ldc);
#endif
}

float* At(uint8_t* heap, double offset) { return reinterpret_cast<float*>(heap + static_cast<int64_t>(offset)); }

uint8_t* Heap(const Napi::CallbackInfo& info) { return info[0].As<Napi::Uint8Array>().Data(); }
int Int(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
double Num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
float Float(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().FloatValue(); }

void Activate(float* y, int64_t n, int activation, float alpha) {
  switch (activation) {
    case kRelu:
      for (int64_t i = 0; i < n; i++) y[i] = std::max(y[i], 0.f);
      break;
    case kRelu6:
      for (int64_t i = 0; i < n; i++) y[i] = std::min(std::max(y[i], 0.f), 6.f);
      break;
    case kLeakyRelu:
      for (int64_t i = 0; i < n; i++) y[i] = LeakyRelu(y[i], alpha);
      break;
    case kSigmoid:
      for (int64_t i = 0; i < n; i++) y[i] = 1.f / (1.f + std::exp(-y[i]));
      break;
    case kElu:
      for (int64_t i = 0; i < n; i++) y[i] = y[i] < 0.f ? std::expm1(y[i]) : y[i];
      break;
    default:
      break;
  }
}

/** y[rows, cols] += bias[cols], then the activation. */
void BiasActivate(float* y, int64_t rows, int64_t cols, const float* bias, int activation, float alpha) {
  if (bias != nullptr) {
    for (int64_t r = 0; r < rows; r++) {
      float* row = y + r * cols;
      for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
    }
  }
  Activate(y, rows * cols, activation, alpha);
}

// matmul(heap, batch, transA, transB, m, n, k, aOff, aBatchStride, bOff, bBatchStride, cOff, biasOff, activation, alpha)
// C[b] = op(A[b])·op(B[b]) (+ bias per column, activation); batch strides in elements, 0 to broadcast; biasOff < 0: none.
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const int batch = Int(info, 1);
  const bool transA = info[2].As<Napi::Boolean>();
  const bool transB = info[3].As<Napi::Boolean>();
  const int m = Int(info, 4), n = Int(info, 5), k = Int(info, 6);
  const float* a = At(heap, Num(info, 7));
  const int64_t aStride = static_cast<int64_t>(Num(info, 8));
  const float* b = At(heap, Num(info, 9));
  const int64_t bStride = static_cast<int64_t>(Num(info, 10));
  float* c = At(heap, Num(info, 11));
  const double biasOff = Num(info, 12);
  const int activation = Int(info, 13);
  const float alpha = Float(info, 14);
  const float* bias = biasOff < 0 ? nullptr : At(heap, biasOff);
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  for (int i = 0; i < batch; i++) {
    float* ci = c + static_cast<int64_t>(i) * m * n;
    if (k == 0) {
      std::memset(ci, 0, sizeof(float) * m * n);
    } else {
      Gemm(transA, transB, m, n, k, a + i * aStride, lda, b + i * bStride, ldb, 0.f, ci, n);
    }
  }
  BiasActivate(c, static_cast<int64_t>(batch) * m, n, bias, activation, alpha);
  return info.Env().Undefined();
}

// adam(heap, count, wOff, mOff, vOff, gOff, outW, outM, outV, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
//      accBeta1Off, accBeta2Off, epsilon, negLearningRate)
// tfjs' AdamOptimizer.applyGradients, one kernel per operation there, rounded to float after each as tfjs does.
Napi::Value Adam(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const int64_t count = static_cast<int64_t>(Num(info, 1));
  const float* w = At(heap, Num(info, 2));
  const float* m = At(heap, Num(info, 3));
  const float* v = At(heap, Num(info, 4));
  const float* g = At(heap, Num(info, 5));
  float* outW = At(heap, Num(info, 6));
  float* outM = At(heap, Num(info, 7));
  float* outV = At(heap, Num(info, 8));
  const float beta1 = Float(info, 9), oneMinusBeta1 = Float(info, 10);
  const float beta2 = Float(info, 11), oneMinusBeta2 = Float(info, 12);
  const float accBeta1 = *At(heap, Num(info, 13)), accBeta2 = *At(heap, Num(info, 14));
  const float epsilon = Float(info, 15), negLearningRate = Float(info, 16);
  const float c1 = 1.f - accBeta1, c2 = 1.f - accBeta2;
  for (int64_t i = 0; i < count; i++) {
    const float gi = g[i];
    const float newM = m[i] * beta1 + gi * oneMinusBeta1;
    const float gg = gi * gi;
    const float newV = v[i] * beta2 + gg * oneMinusBeta2;
    const float mHat = newM / c1;
    const float vHat = newV / c2;
    const float denom = std::sqrt(vHat) + epsilon;
    const float step = (mHat / denom) * negLearningRate;
    outW[i] = step + w[i];
    outM[i] = newM;
    outV[i] = newV;
  }
  return info.Env().Undefined();
}

struct ConvShape {
  int batch, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, dilH, dilW, padTop, padLeft;
  int64_t Patch() const { return static_cast<int64_t>(fH) * fW * inC; }
  int64_t Pixels() const { return static_cast<int64_t>(outH) * outW; }
  bool Pointwise() const {
    return fH == 1 && fW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0;
  }
};

ConvShape ReadConv(const Napi::CallbackInfo& info, size_t first) {
  ConvShape s;
  int* fields[] = {&s.batch, &s.inH, &s.inW, &s.inC, &s.outH, &s.outW, &s.outC, &s.fH,
                   &s.fW, &s.strideH, &s.strideW, &s.dilH, &s.dilW, &s.padTop, &s.padLeft};
  for (size_t i = 0; i < 15; i++) *fields[i] = Int(info, first + i);
  return s;
}

/** Rows of the im2col matrix for images [b0, b1): one row per output pixel, fH·fW·inC columns (zeros for padding). */
void Im2Col(const float* x, const ConvShape& s, int b0, int b1, float* col) {
  const int64_t patch = s.Patch();
  for (int b = b0; b < b1; b++) {
    for (int oy = 0; oy < s.outH; oy++) {
      for (int ox = 0; ox < s.outW; ox++) {
        float* row = col + ((static_cast<int64_t>(b - b0) * s.outH + oy) * s.outW + ox) * patch;
        for (int r = 0; r < s.fH; r++) {
          const int iy = oy * s.strideH + r * s.dilH - s.padTop;
          for (int c = 0; c < s.fW; c++) {
            const int ix = ox * s.strideW + c * s.dilW - s.padLeft;
            float* dst = row + (static_cast<int64_t>(r) * s.fW + c) * s.inC;
            if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW) {
              std::memset(dst, 0, sizeof(float) * s.inC);
            } else {
              std::memcpy(dst, x + ((static_cast<int64_t>(b) * s.inH + iy) * s.inW + ix) * s.inC, sizeof(float) * s.inC);
            }
          }
        }
      }
    }
  }
}

/** The adjoint of Im2Col: adds each column row back onto the input pixels it was read from. */
void Col2ImAdd(const float* col, const ConvShape& s, int b0, int b1, float* dx) {
  const int64_t patch = s.Patch();
  for (int b = b0; b < b1; b++) {
    for (int oy = 0; oy < s.outH; oy++) {
      for (int ox = 0; ox < s.outW; ox++) {
        const float* row = col + ((static_cast<int64_t>(b - b0) * s.outH + oy) * s.outW + ox) * patch;
        for (int r = 0; r < s.fH; r++) {
          const int iy = oy * s.strideH + r * s.dilH - s.padTop;
          if (iy < 0 || iy >= s.inH) continue;
          for (int c = 0; c < s.fW; c++) {
            const int ix = ox * s.strideW + c * s.dilW - s.padLeft;
            if (ix < 0 || ix >= s.inW) continue;
            const float* src = row + (static_cast<int64_t>(r) * s.fW + c) * s.inC;
            float* dst = dx + ((static_cast<int64_t>(b) * s.inH + iy) * s.inW + ix) * s.inC;
            for (int i = 0; i < s.inC; i++) dst[i] += src[i];
          }
        }
      }
    }
  }
}

/**
 * Images per im2col chunk, so that the column buffer stays near 4 MB: sgemm is as fast on a chunk of 784 rows as on
 * 3,136, and the buffer (and oneDNN's packed copy of it) adds to a worker's peak memory beside the wasm heap.
 */
int ChunkImages(const ConvShape& s) {
  const int64_t perImage = s.Pixels() * s.Patch();
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(s.batch, (1 << 20) / std::max<int64_t>(1, perImage))));
}

std::vector<float>& Scratch(int64_t n) {
  static thread_local std::vector<float> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(n);
  return buffer;
}

/** The im2col rows of images [b0, b1): x itself for a pointwise convolution, else the scratch buffer, filled. */
const float* Columns(const float* x, const ConvShape& s, int b0, int b1) {
  if (s.Pointwise()) return x + static_cast<int64_t>(b0) * s.inH * s.inW * s.inC;
  float* buffer = Scratch((b1 - b0) * s.Pixels() * s.Patch()).data();
  Im2Col(x, s, b0, b1, buffer);
  return buffer;
}

/*
 * One output channel (a generator's image layer): im2col would write fH·fW·inC floats per pixel for one product each,
 * so these walk the pixels instead. For an output pixel and a filter row, the filter columns that land inside the image
 * read one contiguous run of input (dilation 1 along x): RunOf gives it. Sums run in a fixed order: deterministic.
 */
bool Narrow(const ConvShape& s) { return s.outC == 1 && s.dilW == 1; }

struct Run {
  int64_t x;  // element offset into the input (NHWC)
  int64_t w;  // element offset into the filter ([fH, fW, inC, 1])
  int len;    // elements; 0: nothing inside the image
};

inline Run RunOf(const ConvShape& s, int b, int oy, int ox, int r) {
  const int iy = oy * s.strideH + r * s.dilH - s.padTop;
  if (iy < 0 || iy >= s.inH) return {0, 0, 0};
  const int ix = ox * s.strideW - s.padLeft;
  const int c0 = std::max(0, -ix), c1 = std::min(s.fW, s.inW - ix);
  if (c1 <= c0) return {0, 0, 0};
  return {((static_cast<int64_t>(b) * s.inH + iy) * s.inW + ix + c0) * s.inC, (static_cast<int64_t>(r) * s.fW + c0) * s.inC,
          (c1 - c0) * s.inC};
}

/** y[pixel] = Σ over filter rows of dot(input run, filter run). */
void NarrowConv(const float* x, const float* w, float* y, const ConvShape& s) {
  for (int b = 0; b < s.batch; b++) {
    for (int oy = 0; oy < s.outH; oy++) {
      for (int ox = 0; ox < s.outW; ox++) {
        float acc = 0.f;
        for (int r = 0; r < s.fH; r++) {
          const Run run = RunOf(s, b, oy, ox, r);
          if (run.len > 0) acc += cblas_sdot(run.len, x + run.x, 1, w + run.w, 1);
        }
        y[(static_cast<int64_t>(b) * s.outH + oy) * s.outW + ox] = acc;
      }
    }
  }
}

/** dx (zeroed first) += dy[pixel] · filter run, onto the input run of each output pixel. */
void NarrowBackpropInput(const float* dy, const float* w, float* dx, const ConvShape& s) {
  std::memset(dx, 0, sizeof(float) * s.batch * s.inH * s.inW * s.inC);
  for (int b = 0; b < s.batch; b++) {
    for (int oy = 0; oy < s.outH; oy++) {
      for (int ox = 0; ox < s.outW; ox++) {
        const float g = dy[(static_cast<int64_t>(b) * s.outH + oy) * s.outW + ox];
        for (int r = 0; r < s.fH; r++) {
          const Run run = RunOf(s, b, oy, ox, r);
          float* dst = dx + run.x;
          const float* src = w + run.w;
          for (int i = 0; i < run.len; i++) dst[i] += g * src[i];
        }
      }
    }
  }
}

/** dW (zeroed first) += dy[pixel] · input run, onto the filter run. */
void NarrowBackpropFilter(const float* x, const float* dy, float* dw, const ConvShape& s) {
  std::memset(dw, 0, sizeof(float) * s.Patch());
  for (int b = 0; b < s.batch; b++) {
    for (int oy = 0; oy < s.outH; oy++) {
      for (int ox = 0; ox < s.outW; ox++) {
        const float g = dy[(static_cast<int64_t>(b) * s.outH + oy) * s.outW + ox];
        for (int r = 0; r < s.fH; r++) {
          const Run run = RunOf(s, b, oy, ox, r);
          float* dst = dw + run.w;
          const float* src = x + run.x;
          for (int i = 0; i < run.len; i++) dst[i] += g * src[i];
        }
      }
    }
  }
}

// conv2d(heap, xOff, wOff, yOff, biasOff, activation, alpha, ...15 shape fields): y = im2col(x)·W (+ bias, activation).
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* x = At(heap, Num(info, 1));
  const float* w = At(heap, Num(info, 2));
  float* y = At(heap, Num(info, 3));
  const double biasOff = Num(info, 4);
  const int activation = Int(info, 5);
  const float alpha = Float(info, 6);
  const ConvShape s = ReadConv(info, 7);
  const int64_t patch = s.Patch();
  const int chunk = ChunkImages(s);
  if (Narrow(s)) NarrowConv(x, w, y, s);
  for (int b0 = 0; b0 < s.batch && !Narrow(s); b0 += chunk) {
    const int b1 = std::min(s.batch, b0 + chunk);
    const int rows = static_cast<int>((b1 - b0) * s.Pixels());
    const float* col = Columns(x, s, b0, b1);
    Gemm(false, false, rows, s.outC, static_cast<int>(patch), col, static_cast<int>(patch), w, s.outC, 0.f,
         y + static_cast<int64_t>(b0) * s.Pixels() * s.outC, s.outC);
  }
  BiasActivate(y, s.batch * s.Pixels(), s.outC, biasOff < 0 ? nullptr : At(heap, biasOff), activation, alpha);
  return info.Env().Undefined();
}

// conv2dBackpropInput(heap, dyOff, wOff, dxOff, ...15 shape fields): dx = col2im(dy·Wᵀ).
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* dy = At(heap, Num(info, 1));
  const float* w = At(heap, Num(info, 2));
  float* dx = At(heap, Num(info, 3));
  const ConvShape s = ReadConv(info, 4);
  const int64_t patch = s.Patch();
  const int chunk = ChunkImages(s);
  if (Narrow(s)) {
    NarrowBackpropInput(dy, w, dx, s);
    return info.Env().Undefined();
  }
  if (!s.Pointwise()) std::memset(dx, 0, sizeof(float) * s.batch * s.inH * s.inW * s.inC);
  for (int b0 = 0; b0 < s.batch; b0 += chunk) {
    const int b1 = std::min(s.batch, b0 + chunk);
    const int rows = static_cast<int>((b1 - b0) * s.Pixels());
    float* col = s.Pointwise() ? dx + static_cast<int64_t>(b0) * s.inH * s.inW * s.inC : Scratch(rows * patch).data();
    Gemm(false, true, rows, static_cast<int>(patch), s.outC, dy + static_cast<int64_t>(b0) * s.Pixels() * s.outC, s.outC, w,
         s.outC, 0.f, col, static_cast<int>(patch));
    if (!s.Pointwise()) Col2ImAdd(col, s, b0, b1, dx);
  }
  return info.Env().Undefined();
}

// conv2dBackpropFilter(heap, xOff, dyOff, dwOff, ...15 shape fields): dW = im2col(x)ᵀ·dy, summed over chunks.
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* x = At(heap, Num(info, 1));
  const float* dy = At(heap, Num(info, 2));
  float* dw = At(heap, Num(info, 3));
  const ConvShape s = ReadConv(info, 4);
  const int64_t patch = s.Patch();
  const int chunk = ChunkImages(s);
  if (Narrow(s)) {
    NarrowBackpropFilter(x, dy, dw, s);
    return info.Env().Undefined();
  }
  for (int b0 = 0; b0 < s.batch; b0 += chunk) {
    const int b1 = std::min(s.batch, b0 + chunk);
    const int rows = static_cast<int>((b1 - b0) * s.Pixels());
    const float* col = Columns(x, s, b0, b1);
    Gemm(true, false, static_cast<int>(patch), s.outC, rows, col, static_cast<int>(patch),
         dy + static_cast<int64_t>(b0) * s.Pixels() * s.outC, s.outC, b0 == 0 ? 0.f : 1.f, dw, s.outC);
  }
  if (s.batch == 0) std::memset(dw, 0, sizeof(float) * patch * s.outC);
  return info.Env().Undefined();
}

// reduce(heap, xOff, yOff, outer, size, inner, mean): y[o, i] = Σ_r x[o, r, i] (÷ size for a mean), in float.
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* x = At(heap, Num(info, 1));
  float* y = At(heap, Num(info, 2));
  const int64_t outer = static_cast<int64_t>(Num(info, 3)), size = static_cast<int64_t>(Num(info, 4));
  const int64_t inner = static_cast<int64_t>(Num(info, 5));
  const bool mean = info[6].As<Napi::Boolean>();
  for (int64_t o = 0; o < outer; o++) {
    float* out = y + o * inner;
    const float* in = x + o * size * inner;
    if (inner == 1) {
      float sum = 0.f;
      for (int64_t r = 0; r < size; r++) sum += in[r];
      out[0] = sum;
    } else {
      std::fill(out, out + inner, 0.f);
      for (int64_t r = 0; r < size; r++) {
        const float* row = in + r * inner;
        for (int64_t i = 0; i < inner; i++) out[i] += row[i];
      }
    }
    if (mean) {
      for (int64_t i = 0; i < inner; i++) out[i] /= static_cast<float>(size);
    }
  }
  return info.Env().Undefined();
}

enum Unary { kUnaryLeakyRelu = 0, kUnaryTanh = 1, kUnarySigmoid = 2 };

// unary(heap, op, xOff, yOff, count, alpha)
Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const int op = Int(info, 1);
  const float* x = At(heap, Num(info, 2));
  float* y = At(heap, Num(info, 3));
  const int64_t n = static_cast<int64_t>(Num(info, 4));
  const float alpha = Float(info, 5);
  switch (op) {
    case kUnaryLeakyRelu:
      for (int64_t i = 0; i < n; i++) y[i] = LeakyRelu(x[i], alpha);
      break;
    case kUnaryTanh:
      for (int64_t i = 0; i < n; i++) y[i] = Tanh(x[i]);
      break;
    case kUnarySigmoid:
      for (int64_t i = 0; i < n; i++) y[i] = 1.f / (1.f + std::exp(-x[i]));
      break;
    default:
      break;
  }
  return info.Env().Undefined();
}

// gatherRows(heap, xOff, indicesOff, yOff, count, rowSize, rows): y[j] = x[indices[j]] row by row; false if out of range.
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* x = At(heap, Num(info, 1));
  const int32_t* indices = reinterpret_cast<const int32_t*>(heap + static_cast<int64_t>(Num(info, 2)));
  float* y = At(heap, Num(info, 3));
  const int64_t count = static_cast<int64_t>(Num(info, 4)), rowSize = static_cast<int64_t>(Num(info, 5));
  const int64_t rows = static_cast<int64_t>(Num(info, 6));
  for (int64_t j = 0; j < count; j++) {
    if (indices[j] < 0 || indices[j] >= rows) return Napi::Boolean::New(info.Env(), false);
  }
  for (int64_t j = 0; j < count; j++) std::memcpy(y + j * rowSize, x + indices[j] * rowSize, sizeof(float) * rowSize);
  return Napi::Boolean::New(info.Env(), true);
}

// batchNorm(heap, xOff, yOff, rows, cols, meanOff, varianceOff, offsetOff, scaleOff, meanStride, varianceStride,
//           offsetStride, scaleStride, epsilon): y = (x - mean) · scale / sqrt(variance + ε) + offset per column.
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* x = At(heap, Num(info, 1));
  float* y = At(heap, Num(info, 2));
  const int64_t rows = static_cast<int64_t>(Num(info, 3)), cols = static_cast<int64_t>(Num(info, 4));
  const float* mean = At(heap, Num(info, 5));
  const float* variance = At(heap, Num(info, 6));
  const double offsetOff = Num(info, 7), scaleOff = Num(info, 8);
  const int meanStride = Int(info, 9), varianceStride = Int(info, 10), offsetStride = Int(info, 11), scaleStride = Int(info, 12);
  const float epsilon = Float(info, 13);
  std::vector<float> factor(cols), shift(cols);
  for (int64_t c = 0; c < cols; c++) {
    const float scale = scaleOff < 0 ? 1.f : At(heap, scaleOff)[c * scaleStride];
    const float offset = offsetOff < 0 ? 0.f : At(heap, offsetOff)[c * offsetStride];
    factor[c] = scale / std::sqrt(variance[c * varianceStride] + epsilon);
    shift[c] = offset - mean[c * meanStride] * factor[c];
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    for (int64_t c = 0; c < cols; c++) out[c] = in[c] * factor[c] + shift[c];
  }
  return info.Env().Undefined();
}

// greater(heap, aOff, bOff, bStride, yOff, count): y = a > b as bytes (tfjs' bool), b a scalar (stride 0) or alike.
Napi::Value Greater(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* a = At(heap, Num(info, 1));
  const float* b = At(heap, Num(info, 2));
  const int64_t bStride = static_cast<int64_t>(Num(info, 3));
  uint8_t* y = heap + static_cast<int64_t>(Num(info, 4));
  const int64_t n = static_cast<int64_t>(Num(info, 5));
  for (int64_t i = 0; i < n; i++) y[i] = a[i] > b[i * bStride];
  return info.Env().Undefined();
}

// select(heap, conditionOff, tOff, eOff, yOff, count): y = condition ? t : e, all of one shape.
Napi::Value Select(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const uint8_t* condition = heap + static_cast<int64_t>(Num(info, 1));
  const float* t = At(heap, Num(info, 2));
  const float* e = At(heap, Num(info, 3));
  float* y = At(heap, Num(info, 4));
  const int64_t n = static_cast<int64_t>(Num(info, 5));
  for (int64_t i = 0; i < n; i++) {
    const float pair[2] = {e[i], t[i]};
    y[i] = pair[condition[i] != 0];
  }
  return info.Env().Undefined();
}

// binaryRows(heap, op, fullOff, rowOff, yOff, rows, cols, rowFirst): y[r, c] = full[r, c] op row[c] (row[c] op
// full[r, c] when rowFirst), op 0 multiply, 1 add, 2 subtract: one float operation per element, as tfjs rounds it.
Napi::Value BinaryRows(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const int op = Int(info, 1);
  const float* full = At(heap, Num(info, 2));
  const float* row = At(heap, Num(info, 3));
  float* y = At(heap, Num(info, 4));
  const int64_t rows = static_cast<int64_t>(Num(info, 5)), cols = static_cast<int64_t>(Num(info, 6));
  const bool rowFirst = info[7].As<Napi::Boolean>();
  for (int64_t r = 0; r < rows; r++) {
    const float* in = full + r * cols;
    float* out = y + r * cols;
    switch (op) {
      case 0:
        for (int64_t c = 0; c < cols; c++) out[c] = in[c] * row[c];
        break;
      case 1:
        for (int64_t c = 0; c < cols; c++) out[c] = rowFirst ? row[c] + in[c] : in[c] + row[c];
        break;
      default:
        if (rowFirst) {
          for (int64_t c = 0; c < cols; c++) out[c] = row[c] - in[c];
        } else {
          for (int64_t c = 0; c < cols; c++) out[c] = in[c] - row[c];
        }
        break;
    }
  }
  return info.Env().Undefined();
}

// resizeNearest(heap, xOff, yOff, batch, inH, inW, channels, outH, outW, rowMap, colMap, grad)
// Forward (grad false): y[b, r, c] = x[b, rowMap[r], colMap[c]], pixel by pixel. Gradient (grad true, x is dy of the
// output's shape, y the input's): y = 0, then y[b, rowMap[r], colMap[c]] += x[b, r, c] in row-major order of (r, c), the
// order tfjs' own gradient adds them in. The maps (Int32Array, computed by the caller as tfjs does) are in range.
Napi::Value ResizeNearest(const Napi::CallbackInfo& info) {
  uint8_t* heap = Heap(info);
  const float* x = At(heap, Num(info, 1));
  float* y = At(heap, Num(info, 2));
  const int batch = Int(info, 3), inH = Int(info, 4), inW = Int(info, 5), channels = Int(info, 6);
  const int outH = Int(info, 7), outW = Int(info, 8);
  const int32_t* rowMap = info[9].As<Napi::Int32Array>().Data();
  const int32_t* colMap = info[10].As<Napi::Int32Array>().Data();
  const bool grad = info[11].As<Napi::Boolean>();
  if (grad) std::memset(y, 0, sizeof(float) * batch * inH * inW * channels);
  for (int b = 0; b < batch; b++) {
    for (int r = 0; r < outH; r++) {
      for (int c = 0; c < outW; c++) {
        const int64_t small = ((static_cast<int64_t>(b) * inH + rowMap[r]) * inW + colMap[c]) * channels;
        const int64_t large = ((static_cast<int64_t>(b) * outH + r) * outW + c) * channels;
        if (grad) {
          float* dst = y + small;
          const float* src = x + large;
          for (int i = 0; i < channels; i++) dst[i] += src[i];
        } else {
          std::memcpy(y + large, x + small, sizeof(float) * channels);
        }
      }
    }
  }
  return info.Env().Undefined();
}

// Both libraries split a product the same way for the same thread count, so N threads are deterministic run to run
// (not across counts). OpenMP may otherwise shrink a team when OMP_DYNAMIC is set: pinned, so N means N.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  openblas_set_num_threads(Int(info, 0));
#ifdef GANFORGE_ONEDNN
  omp_set_dynamic(0);
  omp_set_num_threads(Int(info, 0));
#endif
  return info.Env().Undefined();
}

// OpenBLAS' threads; with oneDNN, the fewer of its and OpenMP's (they are set together).
Napi::Value Threads(const Napi::CallbackInfo& info) {
#ifdef GANFORGE_ONEDNN
  return Napi::Number::New(info.Env(), std::min(openblas_get_num_threads(), omp_get_max_threads()));
#else
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
#endif
}

// The library whose sgemm does the products (and so the convolutions): the provider's name in the backend label.
Napi::Value GemmLibrary(const Napi::CallbackInfo& info) {
#ifdef GANFORGE_ONEDNN
  return Napi::String::New(info.Env(), "onednn");
#else
  return Napi::String::New(info.Env(), "openblas");
#endif
}

Napi::Value Config(const Napi::CallbackInfo& info) {
#ifdef GANFORGE_ONEDNN
  const std::string gemm = " (products on oneDNN " + std::to_string(dnnl_version()->major) + "." +
                           std::to_string(dnnl_version()->minor) + ")";
#else
  const std::string gemm;
#endif
  return Napi::String::New(info.Env(), std::string(openblas_get_config()) + gemm);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // A fixed mmap threshold: glibc otherwise raises it to the size of each large block freed (oneDNN's packing buffers,
  // im2col scratch), after which those blocks come from the heap and stay resident after free.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  exports.Set("matMul", Napi::Function::New(env, MatMul));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("unary", Napi::Function::New(env, UnaryOp));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("greater", Napi::Function::New(env, Greater));
  exports.Set("select", Napi::Function::New(env, Select));
  exports.Set("binaryRows", Napi::Function::New(env, BinaryRows));
  exports.Set("resizeNearest", Napi::Function::New(env, ResizeNearest));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("threads", Napi::Function::New(env, Threads));
  exports.Set("config", Napi::Function::New(env, Config));
  exports.Set("gemmLibrary", Napi::Function::New(env, GemmLibrary));
  return exports;
}

}  // namespace

NODE_API_MODULE(ganforge_kernels, Init)
