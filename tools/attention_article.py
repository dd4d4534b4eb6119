#!/usr/bin/python3
"""Runs the code of "A Simple Implementation of the Attention Mechanism from Scratch" exactly as the
article does (torch.manual_seed(0)) and exports its weights and results, so `corvid attention` can
reproduce the walk-through on the same numbers (Corvid's generator differs from PyTorch's).

    /usr/bin/python3 tools/attention_article.py
writes src/Corvid.Nn/Attention/article-attention.safetensors (embedded in Corvid.Nn).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "Corvid.Nn", "Attention", "article-attention.safetensors")

# Part 1: single-head self-attention, the article's code.
tokenized_sentence = torch.tensor([2, 6, 8, 3, 1])
torch.manual_seed(0)
embed = torch.nn.Embedding(10, 16)
sentence_embed = embed(tokenized_sentence).detach()
d = sentence_embed.shape[1]
w_key = torch.rand(d, d)
w_query = torch.rand(d, d)
w_value = torch.rand(d, d)
token1_embed = sentence_embed[0]
key_1 = w_key.matmul(token1_embed)
query_1 = w_query.matmul(token1_embed)
value_1 = w_value.matmul(token1_embed)
keys = sentence_embed.matmul(w_key.T)
values = sentence_embed.matmul(w_value.T)
a1 = F.softmax(query_1.matmul(keys.T) / d ** 0.5, dim=0)
z1 = a1.matmul(values)
queries_all = sentence_embed.matmul(w_query.T)
weights_all = F.softmax(queries_all.matmul(keys.T) / d ** 0.5, dim=-1)

# Part 2: multi-head self-attention, the article's code (it reseeds).
torch.manual_seed(0)
tokenized_sentence = torch.tensor([2, 6, 8, 3, 1])
embed2 = nn.Embedding(10, 16)
sentence_embed2 = embed2(tokenized_sentence).detach()
h = 4
d_k = d // h
mh_query = torch.rand(h, d, d_k)
mh_key = torch.rand(h, d, d_k)
mh_value = torch.rand(h, d, d_k)
mh_output = torch.rand(d, d)
queries = torch.einsum("sd,hde->hse", sentence_embed2, mh_query)
keys2 = torch.einsum("sd,hde->hse", sentence_embed2, mh_key)
values2 = torch.einsum("sd,hde->hse", sentence_embed2, mh_value)
scores = torch.einsum("hse,hek->hsk", queries, keys2.transpose(-2, -1)) / (d_k ** 0.5)
attention_weights = F.softmax(scores, dim=-1)
head_outputs = torch.einsum("hij,hjk->hik", attention_weights, values2)
concat_heads = head_outputs.permute(1, 0, 2).reshape(sentence_embed2.shape[0], -1)
multihead_output = concat_heads.matmul(mh_output)  # the article names this matrix w_output

tensors = {
    "tokens": tokenized_sentence.numpy(),
    "single.embedding": embed.weight.detach().numpy(), "single.w_query": w_query.numpy(), "single.w_key": w_key.numpy(),
    "single.w_value": w_value.numpy(), "single.a1": a1.numpy(), "single.z1": z1.numpy(), "single.weights": weights_all.numpy(),
    "multi.embedding": embed2.weight.detach().numpy(), "multi.w_query": mh_query.numpy(), "multi.w_key": mh_key.numpy(),
    "multi.w_value": mh_value.numpy(), "multi.w_output": mh_output.numpy(), "multi.weights": attention_weights.numpy(),
    "multi.output": multihead_output.numpy(),
}
safetensors_io.save(OUT, tensors, {"source": "A Simple Implementation of the Attention Mechanism from Scratch", "torch": torch.__version__})
print("a1", a1)
print("z1", z1)
print("multi-head output for token 1", multihead_output[0])
