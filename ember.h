// ember: a small, fast, readable deep-learning framework in C++20.
// The one header users include: #include <ember.h>
#pragma once

// core: tensors, ops, autograd
#include "core/dot.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/gradcheck.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/random.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "core/threads.h"
#include "core/trace.h"
#include "nn/module.h"

// data: IDX reader, MNIST-style loaders, toy datasets, batching
#include "data/dataloader.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/mnist.h"
#include "data/toy.h"
