#include "autograd/saved_tensor.h"

#include "autograd/copy_slices.h"
#include "autograd/variable.h"

namespace bibun {

struct ViewOfBase {
  TensorGeometry base, view;
  std::weak_ptr<Node> base_grad_fn;
};

namespace {
std::string op_name_of(const std::string& node_name) {
  // "ExpBackward0" -> "Exp", as PyTorch's version-mismatch text prints it.
  auto pos = node_name.rfind("Backward");
  return pos == std::string::npos ? node_name : node_name.substr(0, pos);
}

}  // namespace

// Note [Compact saved tensors]
// Every recorded op saves up to FormulaNode::kMaxSaved of these inline in its node, so their
// size is paid per op whether a slot is used or not: the fields only saved_tensors_hooks and
// in-place views need live behind `rare_`, allocated on first use.
SavedTensor::~SavedTensor() = default;

SavedTensor::Rare& SavedTensor::rare() {
  if (!rare_) rare_ = std::make_unique<Rare>();
  return *rare_;
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  is_output_ = is_output;
  saved_version_ = t->version();
  const auto& fn = grad_fn(t);
  if (fn) output_nr_ = t->autograd_meta()->output_nr;
  is_leaf_ = !fn;
  requires_grad_ = t.requires_grad();
  if (is_output) {
    output_grad_fn_ = fn;
    if (t->is_view() && fn) {
      Tensor base(t->view_base());
      rare().view_of_base =
          std::make_shared<ViewOfBase>(ViewOfBase{TensorGeometry(base), TensorGeometry(t), grad_fn(base)});
    }
  }
  // Python numbers turned into tensors are not the user's tensors: PyTorch never packs them.
  auto hooks = t->is_wrapped_number() ? nullptr : current_saved_tensor_hooks();
  if (hooks) {
    Rare& r = rare();
    r.hooks = std::move(hooks);
    r.packed = r.hooks->pack(is_output ? detach(t) : t);
    if (!is_output) r.input_grad_fn = fn;
    if (!is_output && !fn && requires_grad_) r.leaf_accumulator = grad_accumulator(t);
    return;
  }
  // Note [Saved outputs do not own their node]
  data_ = is_output ? detach(t) : t;
}

namespace {
thread_local std::vector<std::shared_ptr<SavedTensorHooks>> t_hooks_stack;
}

void push_saved_tensor_hooks(std::shared_ptr<SavedTensorHooks> hooks) { t_hooks_stack.push_back(std::move(hooks)); }
void pop_saved_tensor_hooks() {
  if (!t_hooks_stack.empty()) t_hooks_stack.pop_back();
}
std::shared_ptr<SavedTensorHooks> current_saved_tensor_hooks() {
  return t_hooks_stack.empty() ? nullptr : t_hooks_stack.back();
}

void SavedTensor::release() {
  if (data_.defined() || (rare_ && rare_->packed)) was_released_ = true;
  data_ = Tensor();
  if (rare_) {
    rare_->packed.reset();
    rare_->input_grad_fn.reset();
  }
}

namespace {
// The grad_fn a saved output is restored with: the one it had when saved; if that node died
// with a temporary view, a fresh AsStridedBackward0 over the base's history; else the owner.
std::shared_ptr<Node> output_history(const std::weak_ptr<Node>& saved_fn, const std::shared_ptr<ViewOfBase>& view,
                                     const std::shared_ptr<Node>& owner) {
  if (auto fn = saved_fn.lock()) return fn;
  if (view) {
    if (auto base_fn = view->base_grad_fn.lock()) {
      auto fn = std::make_shared<AsStridedBackward0>(view->base, view->view);
      fn->set_next_edges({Edge{base_fn, 0}});
      fn->add_input_metadata(Tensor(make_intrusive<TensorImpl>(Storage::allocate(0), 0, view->view.sizes,
                                                               contiguous_strides(view->view.sizes),
                                                               view->view.dtype)));
      return fn;
    }
  }
  return owner;
}
}  // namespace

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner) const {
  if (was_released_) {
    throw Error(
        "Trying to backward through the graph a second time (or directly access saved tensors after they "
        "have already been freed). Saved intermediate values of the graph are freed when you call "
        ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
        "graph a second time or if you need to access saved tensors after calling backward.");
  }
  if (rare_ && rare_->packed) {
    const Rare& r = *rare_;
    Tensor t = r.hooks->unpack(r.packed);
    if (is_output_ && requires_grad_) {
      Tensor out = detach(t);
      AutogradMeta& meta = out->ensure_autograd_meta();
      meta.grad_fn = output_history(output_grad_fn_, r.view_of_base, owner);
      meta.output_nr = output_nr_;
      return out;
    }
    if (!r.input_grad_fn && requires_grad_ && !is_output_ && !t.requires_grad()) {
      // A saved leaf: the unpacked tensor sends its gradient to the leaf's accumulator.
      Tensor out = detach(t);
      AutogradMeta& meta = out->ensure_autograd_meta();
      meta.requires_grad = true;
      meta.grad_accumulator = r.leaf_accumulator;
      return out;
    }
    if (r.input_grad_fn && grad_fn(t) != r.input_grad_fn) {
      // The unpacked tensor stands for the saved one: give it the saved history.
      Tensor out = detach(t);
      AutogradMeta& meta = out->ensure_autograd_meta();
      meta.grad_fn = r.input_grad_fn;
      meta.output_nr = output_nr_;
      return out;
    }
    return t;
  }
  if (!data_.defined()) return Tensor();
  uint32_t current = data_->version();
  if (current != saved_version_) {
    // A saved input is named by its history now (it may have been rebased by the write);
    // a saved output by the node that saved it.
    // A saved output is named by its node when saved (or the node unpacking it, if that died).
    std::string name;
    if (is_output_ && !is_leaf_) {
      auto fn = output_grad_fn_.lock();
      name = fn ? fn->name() : owner ? owner->name() : "";
    }
    uint32_t output_nr = output_nr_;
    if (!is_output_) {
      // A view whose history went stale is named as the AsStrided node it would regenerate.
      AutogradMeta* meta = data_->autograd_meta();
      bool stale_view = data_->is_view() && meta && meta->grad_fn && meta->attr_version != current;
      name = stale_view ? "AsStridedBackward0" : meta && meta->grad_fn ? meta->grad_fn->name() : "";
      output_nr = meta && !stale_view ? meta->output_nr : 0;
    }
    std::string which = name.empty() ? "" : ", which is output " + std::to_string(output_nr) + " of " + op_name_of(name);
    throw Error(detail::str_cat(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[bibun.",
        legacy_type_name(data_.dtype()), " ", shape_str(data_.sizes()), "]", which, ", is at version ", current,
        "; expected version ", saved_version_,
        " instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with bibun.autograd.set_detect_anomaly(True, check_nan=False)."));
  }
  if (!is_output_ || !requires_grad_) return data_;
  // Re-attach the saved output to its node so that create_graph sees the true history.
  Tensor out = detach(data_);
  AutogradMeta& meta = out->ensure_autograd_meta();
  meta.grad_fn = output_history(output_grad_fn_, rare_ ? rare_->view_of_base : nullptr, owner);
  meta.output_nr = output_nr_;
  return out;
}

}  // namespace bibun
