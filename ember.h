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

// data: CSV and IDX readers, MNIST-style loaders, toy datasets, batching
#include "data/csv.h"
#include "data/dataloader.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/mnist.h"
#include "data/toy.h"
#include "nn/activation.h"
#include "nn/activation_modules.h"
// nn: layers, losses, init, checkpoints; optim: optimizers and schedulers
#include "nn/bilinear.h"
#include "nn/containers.h"
#include "nn/dropout.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/reference.h"
#include "nn/serialize.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/checkpoint.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
