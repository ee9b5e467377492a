import HomelabKit
