"""政策服务免申办: the data sets other departments share (画像), and what rests on them."""
