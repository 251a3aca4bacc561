import PlatStore

/// The tables of module "containers_images" (apart from the runtime's "containers" ones, so the two evolve
/// on their own): the image catalogue and the Kubernetes clusters imported from kubeconfig files.
public enum ImageSchema {
    public static let migrations: [Migration] = [
        Migration(module: "containers_images", version: 1, sql: """
            CREATE TABLE containers_images (
                reference TEXT PRIMARY KEY,
                repository TEXT NOT NULL,
                tag TEXT NOT NULL,
                image_id TEXT NOT NULL,
                visibility TEXT NOT NULL CHECK (visibility IN ('public', 'project')),
                project TEXT,
                source TEXT NOT NULL CHECK (source IN ('build', 'import', 'pull')),
                origin TEXT NOT NULL,
                size INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                created_at REAL NOT NULL,
                pushed_to TEXT,
                digest TEXT,
                pushed_at REAL,
                CHECK ((visibility = 'public') = (project IS NULL))
            );
            CREATE INDEX containers_images_by_project ON containers_images(project);
            CREATE TABLE containers_kube_clusters (
                name TEXT PRIMARY KEY,
                kubeconfig TEXT NOT NULL,
                context TEXT NOT NULL,
                server TEXT NOT NULL,
                namespace TEXT NOT NULL,
                imported_by TEXT NOT NULL,
                imported_at REAL NOT NULL
            );
            """),
    ]
}
