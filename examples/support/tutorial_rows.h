// What the activation tutorial printed: for each activation whose section shows
// it, the input row print(x[0]) and the output row print(f(x)[0]), copied as
// numbers from the tutorial's text (activation_tutorial_zh.txt, "PyTorch教程(5)
// 激活函数"; each row names the section it comes from). PyTorch printed them
// to four decimals, so they are the tutorial's values rounded, not exact ones;
// activation_tour holds ember's outputs against them with that in mind.
//
// Not here: rows that came from random draws the tutorial did not print
// (Linear, Bilinear) — activation_tour checks a property of those instead.
#pragma once

#include <string>
#include <vector>

namespace support {

struct TutorialRow {
  std::string section;     // the tutorial's heading the row comes from
  std::vector<float> x;    // print(x[0])
  std::vector<float> f_x;  // print(output[0])
};

namespace tutorial_rows {

// "Sigmoid函数": nn.Sigmoid() on torch.randn(100, 10).
inline const TutorialRow sigmoid{
    "Sigmoid函数",
    {0.4357f, -1.5673f, -0.8468f, 0.0629f, -1.2619f, -0.2609f, -0.3565f, 0.5630f, 1.8491f, 0.3339f},
    {0.6072f, 0.1726f, 0.3001f, 0.5157f, 0.2206f, 0.4351f, 0.4118f, 0.6372f, 0.8640f, 0.5827f}};

// "双曲正切": nn.Tanh().
inline const TutorialRow tanh{
    "双曲正切",
    {-0.2978f, -1.0893f, -0.3137f, -0.5245f, -0.1842f, 1.6686f, -0.7928f, -2.2920f, -0.8125f, -1.9004f},
    {-0.2893f, -0.7966f, -0.3038f, -0.4812f, -0.1822f, 0.9314f, -0.6600f, -0.9798f, -0.6709f, -0.9563f}};

// "Log Sigmoid 函数": nn.LogSigmoid().
inline const TutorialRow logsigmoid{
    "Log Sigmoid 函数",
    {-0.6855f, 1.1084f, 1.0223f, 0.8324f, 1.0061f, -1.4613f, 0.7731f, 0.0463f, 0.5831f, -0.6826f},
    {-1.0935f, -0.2852f, -0.3073f, -0.3612f, -0.3116f, -1.6699f, -0.3795f, -0.6702f, -0.4435f, -1.0916f}};

// "ReLU函数": nn.ReLU().
inline const TutorialRow relu{
    "ReLU函数",
    {0.5594f, 0.2387f, -1.5372f, -0.6874f, 1.1714f, -0.1458f, -1.1784f, -0.0802f, -0.5905f, 2.2499f},
    {0.5594f, 0.2387f, 0.0000f, 0.0000f, 1.1714f, 0.0000f, 0.0000f, 0.0000f, 0.0000f, 2.2499f}};

// "ReLU6函数": nn.ReLU6() on torch.randn(100, 10) * 10.
inline const TutorialRow relu6{
    "ReLU6函数",
    {8.1576f, 11.7024f, -3.9226f, -2.6406f, 11.0565f, -16.3319f, 7.0528f, 0.8866f, 0.6748f, -1.0607f},
    {6.0000f, 6.0000f, 0.0000f, 0.0000f, 6.0000f, 0.0000f, 6.0000f, 0.8866f, 0.6748f, 0.0000f}};

// "Leaky ReLU函数": nn.LeakyReLU() (slope 0.01).
inline const TutorialRow leaky_relu{
    "Leaky ReLU函数",
    {1.0718f, -0.3105f, -0.2773f, 1.8701f, 0.2646f, -0.2166f, 1.1425f, 1.1959f, -2.7848f, -0.2138f},
    {1.0718f, -0.0031f, -0.0028f, 1.8701f, 0.2646f, -0.0022f, 1.1425f, 1.1959f, -0.0278f, -0.0021f}};

// "PRELU函数": nn.PReLU(10), every slope at its initial 0.25.
inline const TutorialRow prelu{
    "PRELU函数",
    {-0.5982f, -0.5509f, -0.7107f, -0.4316f, -0.5107f, 0.4100f, -1.3367f, 1.5206f, -2.4008f, -1.1881f},
    {-0.1495f, -0.1377f, -0.1777f, -0.1079f, -0.1277f, 0.4100f, -0.3342f, 1.5206f, -0.6002f, -0.2970f}};

// "RReLU函数": nn.RReLU(0.1, 0.3) in training mode (a module's default), so
// each negative input was scaled by its own random slope from U(0.1, 0.3).
inline const TutorialRow rrelu_training{
    "RReLU函数",
    {-0.4467f, 0.3433f, 0.0522f, 0.5509f, 1.7010f, -0.1909f, 0.6914f, -0.6053f, 0.5511f, -1.9335f},
    {-0.0514f, 0.3433f, 0.0522f, 0.5509f, 1.7010f, -0.0270f, 0.6914f, -0.1125f, 0.5511f, -0.5593f}};

// "ELU函数": nn.ELU() (alpha 1).
inline const TutorialRow elu{
    "ELU函数",
    {-0.6763f, 0.6669f, -2.0544f, -1.8889f, -0.3581f, 0.0884f, -1.3734f, 0.9181f, 0.4205f, 0.1281f},
    {-0.4915f, 0.6669f, -0.8718f, -0.8488f, -0.3010f, 0.0884f, -0.7467f, 0.9181f, 0.4205f, 0.1281f}};

// "CELU函数": nn.CELU() (alpha 1).
inline const TutorialRow celu{
    "CELU函数",
    {-1.1315f, -0.3425f, 0.7596f, -1.8625f, -0.8638f, 0.2654f, 0.9773f, -0.5946f, 0.1348f, -0.7941f},
    {-0.6775f, -0.2900f, 0.7596f, -0.8447f, -0.5785f, 0.2654f, 0.9773f, -0.4482f, 0.1348f, -0.5480f}};

// "Softplus函数": nn.Softplus() (beta 1, threshold 20).
inline const TutorialRow softplus{
    "Softplus函数",
    {2.6387f, 0.6161f, -0.0684f, -0.3626f, 2.2955f, -0.1481f, -0.1116f, 0.1727f, 0.2522f, 0.6943f},
    {2.7077f, 1.0479f, 0.6595f, 0.5282f, 2.3915f, 0.6218f, 0.6389f, 0.7832f, 0.8272f, 1.0994f}};

// "双线性函数": the mean absolute difference between nn.Bilinear's output and the
// tutorial's explicit sum with NumPy, as it printed it.
inline constexpr double bilinear_mean_abs_difference = 2.2480543702840806e-07;

}  // namespace tutorial_rows
}  // namespace support
