"""Export recipe: RetinaFace (biubug6/Pytorch_Retinaface, MobileNet-0.25) -> ONNX for reelmind.

The weights are user-supplied (``mobilenet0.25_Final.pth`` from that project; nothing is
downloaded). The architecture below reproduces the project's module names, so its state dict
loads unchanged ("module." prefixes of multi-GPU checkpoints are stripped). torchvision is not
needed: the backbone's three stages are called directly.

    .venv/bin/python onnx_models/retinaface/export_retinaface.py mobilenet0.25_Final.pth retinaface_mnet.onnx
    .venv/bin/python onnx_models/retinaface/export_retinaface.py --random retinaface_random.onnx   # same architecture, random weights

The ONNX model takes BGR minus (104, 117, 123), NCHW, any H and W (dynamic axes), and outputs
``loc (1, N, 4)``, ``conf (1, N, 2)`` (softmax) and ``landms (1, N, 10)``: the layout
``reelmind.perceive.vision.retinaface`` decodes (detector: retinaface, detector_model: FILE).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

CFG_MNET = {"min_sizes": [[16, 32], [64, 128], [256, 512]], "steps": [8, 16, 32], "variance": [0.1, 0.2],
            "in_channel": 32, "out_channel": 64}


def conv_bn(inp, oup, stride=1, leaky=0.0):
    return nn.Sequential(nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup), nn.LeakyReLU(leaky, inplace=True))


def conv_bn_no_relu(inp, oup, stride):
    return nn.Sequential(nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup))


def conv_bn1x1(inp, oup, stride, leaky=0.0):
    return nn.Sequential(nn.Conv2d(inp, oup, 1, stride, 0, bias=False), nn.BatchNorm2d(oup), nn.LeakyReLU(leaky, inplace=True))


def conv_dw(inp, oup, stride, leaky=0.1):
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False), nn.BatchNorm2d(inp), nn.LeakyReLU(leaky, inplace=True),
        nn.Conv2d(inp, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup), nn.LeakyReLU(leaky, inplace=True))


class SSH(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        leaky = 0.1 if cout <= 64 else 0.0
        self.conv3X3 = conv_bn_no_relu(cin, cout // 2, 1)
        self.conv5X5_1 = conv_bn(cin, cout // 4, 1, leaky)
        self.conv5X5_2 = conv_bn_no_relu(cout // 4, cout // 4, 1)
        self.conv7X7_2 = conv_bn(cout // 4, cout // 4, 1, leaky)
        self.conv7x7_3 = conv_bn_no_relu(cout // 4, cout // 4, 1)

    def forward(self, x):
        c5_1 = self.conv5X5_1(x)
        return F.relu(torch.cat([self.conv3X3(x), self.conv5X5_2(c5_1), self.conv7x7_3(self.conv7X7_2(c5_1))], 1))


class FPN(nn.Module):
    def __init__(self, cins, cout):
        super().__init__()
        leaky = 0.1 if cout <= 64 else 0.0
        self.output1 = conv_bn1x1(cins[0], cout, 1, leaky)
        self.output2 = conv_bn1x1(cins[1], cout, 1, leaky)
        self.output3 = conv_bn1x1(cins[2], cout, 1, leaky)
        self.merge1 = conv_bn(cout, cout, leaky=leaky)
        self.merge2 = conv_bn(cout, cout, leaky=leaky)

    def forward(self, feats):
        o1, o2, o3 = self.output1(feats[0]), self.output2(feats[1]), self.output3(feats[2])
        o2 = self.merge2(o2 + F.interpolate(o3, size=[o2.size(2), o2.size(3)], mode="nearest"))
        o1 = self.merge1(o1 + F.interpolate(o2, size=[o1.size(2), o1.size(3)], mode="nearest"))
        return [o1, o2, o3]


class MobileNetV1(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage1 = nn.Sequential(conv_bn(3, 8, 2, leaky=0.1), conv_dw(8, 16, 1), conv_dw(16, 32, 2), conv_dw(32, 32, 1),
                                    conv_dw(32, 64, 2), conv_dw(64, 64, 1))
        self.stage2 = nn.Sequential(conv_dw(64, 128, 2), *[conv_dw(128, 128, 1) for _ in range(5)])
        self.stage3 = nn.Sequential(conv_dw(128, 256, 2), conv_dw(256, 256, 1))


class Head(nn.Module):
    def __init__(self, cin, anchors, width):
        super().__init__()
        self.width = width
        self.conv1x1 = nn.Conv2d(cin, anchors * width, 1, 1, 0)

    def forward(self, x):
        out = self.conv1x1(x).permute(0, 2, 3, 1).contiguous()
        return out.view(out.shape[0], -1, self.width)


class _Body(nn.Module):
    """torchvision's IntermediateLayerGetter over stage1..3 (same state-dict names: body.stageK.*)."""

    def __init__(self):
        super().__init__()
        net = MobileNetV1()
        self.stage1, self.stage2, self.stage3 = net.stage1, net.stage2, net.stage3

    def forward(self, x):
        s1 = self.stage1(x)
        s2 = self.stage2(s1)
        return [s1, s2, self.stage3(s2)]


class RetinaFace(nn.Module):
    def __init__(self, cfg=CFG_MNET, anchors: int = 2):
        super().__init__()
        self.body = _Body()
        c = cfg["in_channel"]
        out = cfg["out_channel"]
        self.fpn = FPN([c * 2, c * 4, c * 8], out)
        self.ssh1, self.ssh2, self.ssh3 = SSH(out, out), SSH(out, out), SSH(out, out)
        self.ClassHead = nn.ModuleList([Head(out, anchors, 2) for _ in range(3)])
        self.BboxHead = nn.ModuleList([Head(out, anchors, 4) for _ in range(3)])
        self.LandmarkHead = nn.ModuleList([Head(out, anchors, 10) for _ in range(3)])

    def forward(self, x):
        fpn = self.fpn(self.body(x))
        feats = [self.ssh1(fpn[0]), self.ssh2(fpn[1]), self.ssh3(fpn[2])]
        loc = torch.cat([h(f) for h, f in zip(self.BboxHead, feats)], 1)
        conf = torch.cat([h(f) for h, f in zip(self.ClassHead, feats)], 1)
        landms = torch.cat([h(f) for h, f in zip(self.LandmarkHead, feats)], 1)
        return loc, F.softmax(conf, dim=-1), landms


def load_weights(model: RetinaFace, path: str | Path) -> RetinaFace:
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    state = state.get("state_dict", state)
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith(("body.avg", "body.fc"))}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{path}: not a RetinaFace mobilenet0.25 checkpoint (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model


def export(model: RetinaFace, dst: str | Path, size: tuple[int, int] = (640, 640)) -> Path:
    model.eval()
    x = torch.randn(1, 3, *size)
    torch.onnx.export(model, (x,), str(dst), input_names=["input"], output_names=["loc", "conf", "landms"],
                      dynamic_axes={"input": {2: "height", 3: "width"}, "loc": {1: "priors"}, "conf": {1: "priors"},
                                    "landms": {1: "priors"}}, opset_version=13, dynamo=False)
    return Path(dst)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", nargs="?", help="mobilenet0.25_Final.pth (user-supplied)")
    ap.add_argument("out", help="output .onnx")
    ap.add_argument("--random", action="store_true", help="export the architecture with random weights (tests)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    model = RetinaFace()
    if not args.random:
        if not args.weights:
            ap.error("give the weights file, or --random")
        load_weights(model, args.weights)
    print(export(model, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
